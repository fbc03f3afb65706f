"""msmodeling's own unit-test numbers for the wave and throughput formulas (serving model §1.4)."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.timing import agg_timing, wave_timing


def test_full_prefill_metrics_with_remainder_wave() -> None:
    """L=10, O=5, MBT=20 (P=2), C=5, Tp=10, Tr=4, Td=2 → TTFT 16.8, TPOT 5.36, 932.8358 tok/s."""
    concurrency = np.array([5])
    ttft, phase = wave_timing(concurrency, 2, 10.0, np.array([4.0]))
    tpot, tokens = agg_timing(concurrency, 5, ttft, np.array([2.0]))
    assert ttft[0] == pytest.approx(16.8)
    assert tpot[0] == pytest.approx(5.36)
    assert tokens[0] == pytest.approx(932.8358, rel=1e-6)
    assert phase[0] == pytest.approx(24.0)


def test_dp_budget_wave() -> None:
    """dp=4, MBT=20, L=10 → P=8; C=8 in one full wave with Tp=10, Td=2 → TTFT 10, TPOT 4."""
    concurrency = np.array([8])
    ttft, _ = wave_timing(concurrency, 20 * 4 // 10, 10.0, np.array([123.0]))
    tpot, tokens = agg_timing(concurrency, 5, ttft, np.array([2.0]))
    assert (ttft[0], tpot[0], tokens[0]) == pytest.approx((10.0, 4.0, 2000.0))
