"""certified_secant's opening: where the second probe goes, and what that buys."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from harness.optimizer import SearchRun, optimize
from harness.probe import SimulatorTarget
from harness.scenarios import load_scenario
from harness.searches import SearchContext, get_search, make_params, run_search
from harness.searches.base import WEIGHTS_OOM
from harness.searches.certified_secant import CERTIFY_MEMORY_WITHIN
from simulator import Deployment
from tests.mission import MISSION
from tests.synthetic import Curve, SyntheticTarget

START = 8
NOTHING_FITS = (
    Path(__file__).resolve().parents[2] / "scenarios" / "llama3.1-70b-1x-a2-32g-nothing-fits.yaml"
)


def search(curve: Curve, tpot_limit_ms: float | None):
    spec = get_search("certified_secant")
    target = SyntheticTarget(curve, tpot_limit_ms)
    return run_search(spec, target, make_params(spec), SearchContext(tpot_limit_ms))


def lowest_root(curve: Curve, limit: float) -> float:
    """Where a TPOT proportional to the batch through the start probe would cross the limit."""
    return START * limit / (curve.base_ms + curve.scale_ms * START)


def test_second_probe_aims_at_the_geometric_middle_of_the_limits_range() -> None:
    curve = Curve(10.0, 0.5, "linear", per_request_gib=0.1, capacity_gib=1000.0)
    limit = 10.0 + 0.5 * 124
    memory_root = curve.capacity_gib / curve.per_request_gib
    result = search(curve, limit)
    aim = math.sqrt(lowest_root(curve, limit) * memory_root)
    assert result.sequence[1] == math.floor(aim) + 1
    assert result.batch_size == 124
    assert result.sequence == (START, math.floor(aim) + 1, 124, 125)


@pytest.mark.parametrize("capacity_gib", [5.05, 20.05])
def test_memory_bound_near_the_limits_bound_is_certified_in_three_probes(capacity_gib) -> None:
    curve = Curve(10.0, 0.01, "linear", per_request_gib=0.1, capacity_gib=capacity_gib)
    limit = 100.0
    memory_root = curve.capacity_gib / curve.per_request_gib
    assert memory_root < CERTIFY_MEMORY_WITHIN**2 * lowest_root(curve, limit)
    result = search(curve, limit)
    fits = math.floor(memory_root)
    assert result.sequence == (START, fits + 1, fits)
    assert result.details["certificate"] == (fits, fits + 1)


def test_with_no_latency_limit_the_second_probe_is_the_memory_certificate() -> None:
    curve = Curve(10.0, 0.5, "linear", per_request_gib=0.1, capacity_gib=300.05)
    assert search(curve, None).sequence == (START, 3001, 3000)


def test_a_far_memory_bound_costs_one_probe_more_than_aiming_at_it() -> None:
    """The trade made for latency-bound curves: memory binds, but the aim went below it."""
    curve = Curve(10.0, 0.01, "linear", per_request_gib=0.1, capacity_gib=100.05)
    limit = 100.0
    aim = math.sqrt(lowest_root(curve, limit) * 1000.5)
    result = search(curve, limit)
    assert result.sequence == (START, math.floor(aim) + 1, 1001, 1000)


def test_the_mission_scenario_costs_four_probes_per_tp() -> None:
    request = replace(MISSION, searches=(SearchRun("certified_secant"), SearchRun("exhaustive")))
    results = {(o.parallel.tp, o.result.search): o.result for o in optimize(request)}
    for tp in (1, 2, 4, 8):
        assert results[tp, "certified_secant"].batch_size == results[tp, "exhaustive"].batch_size
        assert results[tp, "certified_secant"].probes == 4
    assert results[8, "certified_secant"].sequence == (8, 78, 125, 124)


def test_weights_that_exceed_memory_certify_nothing_fits_in_one_probe() -> None:
    curve = Curve(10.0, 0.5, "linear", per_request_gib=0.1, capacity_gib=-0.5)
    result = search(curve, 50.0)
    assert result.batch_size is None
    assert result.sequence == (START,)
    assert result.details["certificate"] == (None, START)


def test_weights_that_fit_still_need_batch_one_probed() -> None:
    """Batch 8 is out of memory but the weights fit: only a probe at batch 1 can tell."""
    curve = Curve(10.0, 0.5, "linear", per_request_gib=0.1, capacity_gib=0.05)
    result = search(curve, 50.0)
    assert result.batch_size is None
    assert result.sequence == (START, 1)


def test_memory_after_weights_is_what_the_simulator_leaves_for_every_batch() -> None:
    deployment = Deployment.create(
        "meta-llama/Llama-3.1-70B",
        device="ATLAS_800_A2_280T_32G_PCIE",
        num_devices=1,
        input_length=1024,
        output_length=256,
        quantize_linear_action="DISABLED",
    )
    target = SimulatorTarget(deployment)
    row = target.simulator.probe(8)
    expected = row.total_gib - row.weights_gib - row.reserved_gib
    assert expected < 0
    for batch in (1, 8, 300):
        assert target(batch).memory_after_weights_gib == pytest.approx(expected, abs=1e-9)


def test_weights_oom_is_not_retried_with_smaller_budgets_but_prefill_oom_is() -> None:
    scenario = load_scenario(NOTHING_FITS)
    request = scenario.request_for((SearchRun("exponential"), SearchRun("certified_secant")))
    results = {o.result.search: o.result for o in optimize(request)}
    assert results["exponential"].sequence == (1, 1, 1)
    assert results["exponential"].early_stop == "prefill_oom"
    assert results["certified_secant"].sequence == (START,)
    assert results["certified_secant"].early_stop == WEIGHTS_OOM
