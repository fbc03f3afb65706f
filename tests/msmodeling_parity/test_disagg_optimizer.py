"""msmodeling's ``test_disagg_optimizer.py``, and its partial-replay TTFT on a prefill out of
memory, restated against our disagg phases."""

from __future__ import annotations

import numpy as np
import pytest

from harness.optimizer import optimize
from harness.request import OptimizerRequest, SearchRun
from simulator import Deployment, Simulator
from simulator.timing import wave_timing


def _phase(phase: str, **fields) -> Simulator:
    base = dict(num_devices=8, tp=2, input_length=512, output_length=128)
    return Simulator(Deployment.create("Qwen/Qwen3-32B", phase=phase, **{**base, **fields}))


def test_decode_concurrency_is_batch_times_dp() -> None:
    """test_get_inference_info_decode_mode: batch 2 at DP 4 -> concurrency 8, no TTFT."""
    row = _phase("decode", tpot_limit_ms=50).probe(2)
    assert row.concurrency == 8 and row.ttft_ms is None and row.tpot_ms == row.decode_ms


def test_prefill_has_no_tpot() -> None:
    """test_get_inference_info_prefill_mode."""
    row = _phase("prefill", ttft_limit_ms=1000, input_length=1024).probe(5)
    assert row.tpot_ms is None and row.ttft_ms > 0


def test_single_prefill_uses_the_budget_of_every_dp_replica() -> None:
    """test_single_chunk_prefill_uses_the_token_budget_on_every_dp_replica: MBT 8 per replica,
    input 4, DP 4: the 4 requests of batch 1 fit one forward (TTFT = its latency)."""
    simulator = _phase("prefill", ttft_limit_ms=1000, input_length=4, max_batched_tokens=8)
    row = simulator.probe(1)
    assert row.concurrency == 4 and row.prefill_wave_ms is None
    assert row.ttft_ms == pytest.approx(_phase_forward_ms(simulator, 1, 4))


def _phase_forward_ms(simulator: Simulator, rank_batch: int, length: int) -> float:
    features = simulator.features(np.array([rank_batch]), length, length)
    return float(simulator.roofline.latency_s(features)[0] * 1e3)


def test_prefill_out_of_memory_reports_the_partial_phase_latency_as_ttft() -> None:
    """disagg_throughput_optimizer, the OOM/partial replay branch: the replay stops after the
    first wave that runs out of memory and reports the latency so far as TTFT (finite)."""
    simulator = Simulator(
        Deployment.create(
            "Qwen/Qwen3-32B",
            num_devices=1,
            input_length=2048,
            output_length=100,
            max_batched_tokens=131072,
            phase="prefill",
            ttft_limit_ms=20000,
        )
    )
    row = simulator.probe(512)
    assert row.reason == "prefill_oom"
    full = row.prefill_wave_ms
    assert row.ttft_ms == pytest.approx(full)
    assert row.tokens_per_s == pytest.approx(512 * 2048 / full * 1000)
    ttft, _ = wave_timing(np.array([40]), 64, full, np.array([0.0]))
    assert np.isfinite(ttft[0])


def test_two_point_follows_msmodelings_sequence_when_prefill_runs_out_of_memory() -> None:
    """The issue's example: msmodeling's linear_exponential probes 1, 512, 134, 67, 33, 50, 41,
    37, 35, 34 and answers 33, as exponential does."""
    request = OptimizerRequest(
        model="Qwen/Qwen3-32B",
        num_devices=1,
        tp_sizes=(1,),
        input_length=2048,
        output_length=100,
        max_batched_tokens=131072,
        disagg=True,
        ttft_limit_ms=20000,
        searches=(SearchRun("linear_exponential"), SearchRun("exponential")),
    )
    two_point, exponential = (o.result for o in optimize(request))
    assert two_point.sequence == (1, 512, 134, 67, 33, 50, 41, 37, 35, 34)
    assert two_point.batch_size == exponential.batch_size == 33
