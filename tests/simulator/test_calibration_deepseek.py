"""DeepSeek-V3's MTP block, as msmodeling's D1b/D2b runs show it; every probe and forward of
those runs is a calibration record (tests/calibration/deepseek-v3-*.json)."""

from __future__ import annotations

import pytest

from simulator import Simulator
from tests.simulator.calibration_deepseek import deployment

GIB = 2**30


def test_mtp_trades_memory_for_tpot() -> None:
    """The MTP block costs ~3 GiB per die and the fold cuts TPOT by ~45% at the same batch."""
    without, with_mtp = (Simulator(deployment(num_mtp_tokens=n)) for n in (0, 1))
    assert with_mtp.weight_bytes - without.weight_bytes == pytest.approx(3.009 * GIB, rel=0.01)
    assert with_mtp.probe(21).tpot_ms / without.probe(21).tpot_ms == pytest.approx(0.568, rel=0.01)
