"""two_point_checked: linear_exponential's probes wherever its cap does not bind, and exact
wherever feasibility is monotone: on synthetic curves, on the library, under chunked prefill."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest
from hypothesis import given

from harness.optimizer import optimize
from harness.request import OptimizerRequest, SearchRun
from harness.scenarios import load_scenario
from harness.searches import SearchContext, get_search
from harness.searches.two_point import TwoPointParams, estimate_right
from harness.searches.two_point_checked import checked_estimate
from tests.properties.test_search_properties import curves, limits, run, true_boundary
from tests.synthetic import Curve, SyntheticTarget

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
RUNS = tuple(SearchRun(name) for name in ("two_point", "two_point_checked", "exhaustive"))
LIBRARY_RUNS = ("exponential", "two_point", "two_point_checked", "exhaustive")
BUILT_CHUNKED = [
    dict(
        model="meta-llama/Llama-3.1-8B",
        input_length=3500,
        output_length=1500,
        tpot_limit_ms=30,
        max_batched_tokens=1024,
        compile=True,
    ),
    dict(
        model="Qwen/Qwen3-32B",
        device="ATLAS_800_A3_560T_128G_DIE",
        num_devices=4,
        tp_sizes=(4,),
        input_length=8000,
        output_length=1000,
        tpot_limit_ms=50,
        max_batched_tokens=2048,
    ),
    dict(
        model="Qwen/Qwen3-14B",
        device="ATLAS_800_A2_376T_64G",
        num_devices=2,
        tp_sizes=(2,),
        input_length=4096,
        output_length=512,
        tpot_limit_ms=40,
        max_batched_tokens=2048,
        compile=True,
    ),
    dict(
        model="Qwen/Qwen3-0.6B",
        input_length=3000,
        output_length=200,
        tpot_limit_ms=15,
        max_batched_tokens=1024,
    ),
    dict(
        model="Qwen/Qwen3-8B",
        input_length=6000,
        output_length=300,
        tpot_limit_ms=50,
        max_batched_tokens=4096,
        quantize_attention_action="INT8",
    ),
]
"""Chunked oracles replay every batch step by step: seconds each, so these run on request."""


def by_strategy(request: OptimizerRequest) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for outcome in optimize(request):
        out.setdefault(outcome.key, {})[outcome.result.search] = outcome.result
    return out


@given(curves(), limits)
def test_it_probes_as_linear_exponential_until_the_cap_binds(curve, limit) -> None:
    target = SyntheticTarget(curve, limit)
    plain, checked = run("two_point", target), run("two_point_checked", target)
    if checked.details.get("cap_checked"):
        assert checked.sequence[: plain.probes] == plain.sequence
        known_fit = max(b for b in plain.sequence if target(b).feasible)
        if plain.batch_size < known_fit:
            # A cap below a batch seen to fit is wrong without a check: the search goes on
            # from that batch instead.
            assert checked.batch_size >= known_fit
        elif plain.batch_size + 1 in plain.sequence:
            assert checked.sequence == plain.sequence
        else:
            assert checked.sequence[plain.probes] == plain.batch_size + 1
    else:
        assert checked.sequence == plain.sequence
        assert checked.batch_size == plain.batch_size


@given(curves(), limits)
def test_it_is_exact_on_monotone_curves(curve, limit) -> None:
    target = SyntheticTarget(curve, limit)
    assert run("two_point_checked", target).batch_size == true_boundary(target)


def test_an_inf_latency_carries_no_slope() -> None:
    """msmodeling's TPOT = inf on a decode OOM makes the two-point line vertical: 3."""
    target = SyntheticTarget(Curve(10.0, 0.1, "linear"), 40.0)
    first = target(1)._replace(tpot_ms=10.0, per_request_gib=1.0)
    oom = target(512)._replace(feasible=False, tpot_ms=math.inf, per_request_gib=0.0)
    params, context = TwoPointParams(), SearchContext(tpot_limit_ms=40.0)
    assert estimate_right(first, oom, params, context) == 3
    assert checked_estimate(first, oom, params, context) > 512


@pytest.mark.slow
def test_it_is_exact_on_the_library_for_at_most_a_probe_more_than_two_point() -> None:
    checked = 0
    probes: dict[str, list[int]] = {name: [] for name in LIBRARY_RUNS}
    for path in sorted(SCENARIOS.glob("*.yaml")):
        scenario = load_scenario(path)
        own = {run.name: run for run in scenario.request.searches}  # with their params (caps)
        runs = tuple(own.get(name, SearchRun(name)) for name in LIBRARY_RUNS)
        for key, results in by_strategy(scenario.request_for(runs)).items():
            for name in probes:
                probes[name].append(results[name].probes)
            truth = results["exhaustive"]
            if truth.oracle is not None and truth.oracle.monotone:
                answer = results["two_point_checked"].batch_size
                assert answer == truth.batch_size, (scenario.id, key)
                checked += 1
    assert checked > 50
    mean = {name: statistics.fmean(spent) for name, spent in probes.items()}
    assert mean["two_point"] < mean["two_point_checked"] <= mean["two_point"] + 1
    assert mean["two_point_checked"] < mean["exponential"]


@pytest.mark.nightly
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_is_exact_on_1000_fuzzed_deployments(seed: int) -> None:
    from harness.fuzz import FuzzSettings, fuzz

    settings = FuzzSettings(("two_point", "two_point_checked"), examples=1000, seed=seed)
    report = fuzz(settings)
    assert report.passed and report.complete, [str(f.finding) for f in report.failures]
    stats = report.stats["two_point_checked"]
    assert stats.equal == stats.monotone > 1000
    mean = {name: s.summary()["mean"] for name, s in report.stats.items()}
    assert mean["two_point"] <= mean["two_point_checked"] <= mean["two_point"] + 1
    assert mean["two_point_checked"] < mean["exponential"]


@pytest.mark.parametrize(
    "name, plain, fixed",
    [
        ("llama3.1-8b-1x-a3-bf16-two-point-miss", 182, 189),
        ("qwen3-4b-1x-a2-disagg-decode-two-point-miss", 67, 70),
    ],
)
def test_a_binding_cap_is_checked_and_passed(name: str, plain: int, fixed: int) -> None:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    (results,) = by_strategy(scenario.request_for(RUNS)).values()
    two_point, checked = results["two_point"], results["two_point_checked"]
    assert two_point.batch_size == plain and checked.batch_size == fixed
    assert results["exhaustive"].batch_size == fixed
    assert checked.sequence[: two_point.probes] == two_point.sequence
    assert checked.sequence[two_point.probes] == plain + 1


def assert_exact_where_two_point_collapses(requests: list[OptimizerRequest]) -> int:
    seen = 0
    for request in requests:
        for key, results in by_strategy(request).items():
            truth = results["exhaustive"]
            assert truth.oracle is not None and truth.oracle.monotone, key
            assert results["two_point"].batch_size == 3, key
            assert results["two_point_checked"].batch_size == truth.batch_size > 3, key
            seen += 1
    return seen


def test_chunked_prefill_no_longer_collapses_to_3() -> None:
    scenario = load_scenario(SCENARIOS / "qwen3-8b-2x-chunked-prefill.yaml")
    assert assert_exact_where_two_point_collapses([scenario.request_for(RUNS)]) == 2


@pytest.mark.nightly
@pytest.mark.parametrize("deployment", BUILT_CHUNKED, ids=lambda d: d["model"])
def test_chunked_deployments_built_here(deployment: dict) -> None:
    request = OptimizerRequest(**deployment, searches=RUNS)
    assert assert_exact_where_two_point_collapses([request]) == 1


def test_it_declares_exactness_and_a_probe_bound() -> None:
    spec = get_search("two_point_checked")
    assert spec.exact and spec.probe_bound is not None
    assert spec.probe_bound(11) >= 11
