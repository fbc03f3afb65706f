"""Chunked prefill in disaggregated prefill: the closed-form waves equal msmodeling's wave-by-wave
loop (written out here independently), a wave that runs out of memory stops the phase, and the
TTFT bound a search relies on never hides a feasible batch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator import Deployment, Simulator
from simulator.numbers import SCALAR

BASE = dict(model="Qwen/Qwen3-8B", device="ATLAS_800_A2_376T_64G", output_length=200)
CASES = {
    "dp2-prefix-cost": dict(
        num_devices=2, tp=1, input_length=2000, max_batched_tokens=512,
        prefix_cache_hit_rate=0.2, serving_cost_ms=10.0, ttft_limit_ms=3000.0,
    ),
    "short-final-chunk-oom": dict(
        num_devices=2, tp=2, input_length=8200, max_batched_tokens=4096, ttft_limit_ms=120e3
    ),
    "dp4-uneven": dict(
        num_devices=8, tp=2, input_length=3000, max_batched_tokens=700, ttft_limit_ms=9000.0
    ),
}  # fmt: skip


def _simulator(name: str) -> Simulator:
    return Simulator(Deployment.create(**BASE, **CASES[name], phase="prefill"))


def _loop(simulator: Simulator, batch: int) -> tuple[float, float, bool]:
    """msmodeling's disagg wave loop, one wave at a time: (TTFT, phase ms, out of memory)."""
    dep, phase = simulator.deployment, simulator._phase
    concurrency = batch * dep.dp
    latency, ttft_sum, done = dep.serving_cost_ms, 0.0, 0
    for index, chunk in enumerate(phase.chunks):
        size = max(dep.effective_max_batched_tokens * dep.dp // chunk.query_len, 1)
        remaining = concurrency
        while remaining > 0:
            wave = min(size, remaining)
            shape = (-(-wave // dep.dp), chunk.query_len, chunk.seq_len)
            (cost,) = simulator.forwards.costs(SCALAR, [shape])
            latency += cost.latency_ms
            if cost.left_bytes < 0:
                return latency, latency, True
            if index == len(phase.chunks) - 1:
                ttft_sum += wave * latency
                done += wave
            remaining -= wave
    assert done == concurrency
    return ttft_sum / concurrency, latency, False


@pytest.mark.parametrize("name", list(CASES))
def test_the_closed_form_equals_the_wave_loop(name: str) -> None:
    simulator = _simulator(name)
    assert len(simulator._phase.chunks) > 1
    for batch in [*range(1, 40), 47, 64, 90, 128, 333, 512]:
        probe = simulator.probe(batch)
        ttft, phase, oom = _loop(simulator, batch)
        assert probe.ttft_ms == pytest.approx(ttft, rel=1e-9), batch
        tokens = batch * simulator.deployment.dp * simulator.deployment.input_length
        assert probe.tokens_per_s == pytest.approx(tokens / phase * 1000, rel=1e-9), batch
        assert (probe.reason is not None and probe.reason.value == "prefill_oom") == oom, batch


@pytest.mark.parametrize("name", list(CASES))
def test_no_batch_above_the_ttft_bound_is_feasible(name: str) -> None:
    simulator = _simulator(name)
    bound = simulator.infeasible_above()
    assert bound is not None
    rows = simulator.sweep(np.arange(1, 4 * bound + 64))
    feasible = np.flatnonzero(rows.feasible) + 1
    assert feasible.size and feasible.max() <= bound
    assert not math.isinf(bound)
