"""msmodeling's ``test_agg_optimizer.py`` (the full-prefill wave formulas and their memory
checks), restated against our serving model."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import Deployment, Simulator
from simulator.timing import agg_timing, wave_timing


def test_remainder_wave_formulas() -> None:
    """test_get_full_prefill_metrics_accounts_for_remainder_wave_and_memory: L=10, O=5, MBT=20,
    C=5 -> waves of 2; Tp(2)=10, Tr(1)=4, Td(3)=2 -> TTFT 16.8, TPOT 5.36, 932.8358 tok/s."""
    wave = 20 // 10
    ttft, phase = wave_timing(np.array([5]), wave, 10.0, np.array([4.0]))
    tpot, tokens = agg_timing(np.array([5]), 5, ttft, np.array([2.0]))
    assert ttft[0] == pytest.approx(16.8)
    assert tpot[0] == pytest.approx(5.36)
    assert tokens[0] == pytest.approx(932.8358209)
    assert phase[0] == pytest.approx(2 * 10.0 + 4.0)


def test_the_token_budget_is_combined_over_dp() -> None:
    """test_get_full_prefill_metrics_uses_the_combined_dp_token_budget: DP=4, MBT=20, L=10 ->
    one wave of 8; C=8 -> TTFT 10, TPOT 4, 2000 tok/s."""
    wave = 20 * 4 // 10
    ttft, _ = wave_timing(np.array([8]), wave, 10.0, np.array([0.0]))
    tpot, tokens = agg_timing(np.array([8]), 5, ttft, np.array([2.0]))
    assert (ttft[0], tpot[0], tokens[0]) == (10.0, 4.0, 2000.0)


def _qwen(**fields) -> Simulator:
    base = dict(num_devices=8, tp=8, input_length=3500, output_length=1500)
    return Simulator(Deployment.create("Qwen/Qwen3-32B", **{**base, **fields}))


def test_a_prefill_wave_out_of_memory_stops_before_decode() -> None:
    """test_get_full_prefill_metrics_stops_before_decode_when_prefill_memory_is_negative: TTFT
    and TPOT are infinite, throughput 0, no decode latency."""
    row = _qwen(reserved_memory_gb=57.5).probe(8)
    assert row.reason == "prefill_oom"
    assert (row.ttft_ms, row.tpot_ms, row.tokens_per_s, row.decode_ms) == (
        float("inf"),
        float("inf"),
        0.0,
        None,
    )


def test_only_the_waves_that_run_are_checked() -> None:
    """test_get_inference_info_uses_effective_prefill_memory_for_early_stop: batch 1 is below a
    full wave, so only its own (remainder) forward is checked, however large the budget."""
    simulator = _qwen(max_batched_tokens=3500 * 400)
    assert simulator.probe(1).feasible
    assert simulator.probe(400).reason == "prefill_oom"


def test_a_full_wave_out_of_memory_stops_even_when_the_remainder_fits() -> None:
    """test_get_inference_info_checks_prefill_wave_memory_when_remainder_exists: C=9 with waves
    of 8 checks the wave of 8 too."""
    simulator = _qwen(max_batched_tokens=3500 * 8, reserved_memory_gb=55.85)
    assert simulator.probe(7).feasible
    assert simulator.probe(9).reason == "prefill_oom"
