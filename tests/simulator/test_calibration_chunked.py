"""Chunked prefill: the replay's sweep and probe agree, its decode fast-forward equals stepping,
and msmodeling's linear_exponential collapses to 3 when a decode step runs out of memory.
Every probe msmodeling logged is a calibration record (tests/calibration/)."""

from __future__ import annotations

import numpy as np
import pytest

from harness.optimizer import optimize
from harness.request import OptimizerRequest, SearchRun
from simulator import Deployment, Simulator, chunked
from tests.simulator.calibration_chunked import BOUNDARY, SETTINGS


def simulator(tp: int) -> Simulator:
    return Simulator(Deployment.create("Qwen/Qwen3-8B", tp=tp, **SETTINGS))


def test_sweep_rows_equal_probes() -> None:
    sim = simulator(1)
    rows = sim.sweep(np.arange(1, 80))
    for index in range(0, 79, 7):
        assert sim.probe(index + 1) == rows.row(index)


def test_two_point_collapses_to_three_as_msmodelings_does() -> None:
    """Batch 512 runs out of memory in decode, TPOT reads infinity, and the two-point line
    from batch 1 is vertical: round(1 x 1.5) + 1 = 3 (msmodeling: 3 with 4 probes)."""
    request = OptimizerRequest(
        model="Qwen/Qwen3-8B",
        num_devices=2,
        input_length=8000,
        output_length=500,
        tpot_limit_ms=40,
        max_batched_tokens=2048,
        tp_sizes=(1, 2),
        searches=(SearchRun("exponential"), SearchRun("two_point")),
    )
    found = {(o.key, o.result.search): o.result for o in optimize(request)}
    for tp, boundary in BOUNDARY.items():
        assert found[f"TP={tp}", "exponential"].batch_size == boundary
        collapsed = found[f"TP={tp}", "two_point"]
        assert (collapsed.batch_size, collapsed.sequence) == (3, (1, 512, 2, 3))


@pytest.mark.parametrize("tp", [1, 2])
def test_decode_fast_forward_equals_stepping_bit_for_bit(tp: int, monkeypatch) -> None:
    """The replay skips runs of identical decode-only steps; stepping one at a time agrees."""
    batches = np.array([1, 2, 7, 20, 41, 64])
    fast = simulator(tp).sweep(batches)

    def one_step(schedule, step_ms: float) -> None:
        schedule.now += step_ms
        schedule.advance_decode(schedule.waiting)

    monkeypatch.setattr(chunked._Schedule, "decode_everyone", one_step)
    slow = simulator(tp).sweep(batches)
    for column in ("ttft_ms", "tpot_ms", "tokens_per_s", "available_gib"):
        assert np.array_equal(getattr(fast, column), getattr(slow, column), equal_nan=True)
