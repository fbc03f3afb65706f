"""Disaggregated prefill and decode against msmodeling: every logged probe, the boundaries, and
the row it reports for each phase."""

from __future__ import annotations

import numpy as np
import pytest

from harness.optimizer import optimize
from harness.request import OptimizerRequest, SearchRun
from simulator import Deployment, Simulator
from tests.simulator.calibration_disagg import RUNS, DisaggRun


def simulator(run: DisaggRun, phase: str) -> Simulator:
    return Simulator(
        Deployment.create(
            "Qwen/Qwen3-32B",
            num_devices=8,
            tp=run.tp,
            input_length=run.input_length,
            output_length=run.output_length,
            max_batched_tokens=run.max_batched_tokens,
            phase=phase,
            tpot_limit_ms=run.tpot_limit_ms if phase == "decode" else None,
            ttft_limit_ms=run.ttft_limit_ms if phase == "prefill" else None,
        )
    )


PROBES = [(run, *probe) for run in RUNS for probe in run.probes]


@pytest.mark.parametrize(
    ("run", "phase", "batch", "latency", "stopped"),
    PROBES,
    ids=[f"tp{r.tp}-{p}-b{b}" for r, p, b, _, _ in PROBES],
)
def test_every_probe_within_half_a_percent(run, phase, batch, latency, stopped) -> None:
    row = simulator(run, phase).probe(batch)
    got = row.ttft_ms if phase == "prefill" else row.tpot_ms
    assert got == pytest.approx(latency, rel=0.005)
    assert (not row.feasible) == stopped


@pytest.mark.parametrize("run", RUNS, ids=lambda r: f"tp{r.tp}")
@pytest.mark.parametrize("phase", ["prefill", "decode"])
def test_boundary(run: DisaggRun, phase: str) -> None:
    result = simulator(run, phase).sweep(np.arange(1, 1025))
    assert int(result.batch_size[result.feasible].max()) == run.boundary[phase]


@pytest.mark.parametrize("run", RUNS, ids=lambda r: f"tp{r.tp}")
def test_the_reported_row_is_msmodelings(run: DisaggRun) -> None:
    """On the prefill sawtooth, the best row is not the boundary (TP=4: 32, not 38)."""
    request = OptimizerRequest(
        model="Qwen/Qwen3-32B",
        num_devices=8,
        tp_sizes=(run.tp,),
        input_length=run.input_length,
        output_length=run.output_length,
        tpot_limit_ms=run.tpot_limit_ms,
        ttft_limit_ms=run.ttft_limit_ms,
        disagg=True,
        searches=(SearchRun("exponential"),),
    )
    for outcome in optimize(request):
        assert outcome.result.batch_size == run.boundary[outcome.phase]
        assert outcome.result.chosen.batch_size == run.reported[outcome.phase]
        expected = [b for p, b, _, _ in run.probes if p == outcome.phase]
        assert list(outcome.result.sequence) == expected
