"""Properties every search must keep, on synthetic monotone feasibility predicates."""

from __future__ import annotations

import math

from hypothesis import example, given, note
from hypothesis import strategies as st

from harness.probe import repeated
from harness.searches import SEARCHES, SearchContext, get_search, make_params, run_search
from harness.searches.base import INITIAL_RIGHT, LARGEST_REACHABLE
from tests.synthetic import Curve, SyntheticTarget

CANDIDATES = [name for name, spec in SEARCHES.items() if not spec.is_oracle]


@st.composite
def curves(draw) -> Curve:
    shape = draw(st.sampled_from(["linear", "convex", "concave", "stepped", "flat"]))
    power = {
        "convex": draw(st.floats(1.05, 2.5)),
        "concave": draw(st.floats(0.2, 0.95)),
    }.get(shape, 1.0)
    return Curve(
        base_ms=draw(st.floats(1.0, 40.0)),
        scale_ms=draw(st.floats(1e-4, 2.0)),
        shape=shape,
        power=power,
        step=draw(st.integers(1, 64)),
        per_request_gib=draw(st.floats(1e-4, 2.0)),
        capacity_gib=draw(st.floats(-1.0, 200.0)),
        cliff=draw(st.none() | st.integers(1, 5000)),
    )


limits = st.none() | st.floats(1.0, 300.0)
ALL_FEASIBLE = Curve(1.0, 0.0, "flat", per_request_gib=1e-5, capacity_gib=100.0)
NOTHING_FITS = Curve(10.0, 0.1, "linear", capacity_gib=-0.5)


def true_boundary(target: SyntheticTarget) -> int | None:
    """The largest feasible batch up to the reachable cap, by bisection on the predicate."""
    if not target.feasible(1):
        return None
    if target.feasible(LARGEST_REACHABLE):
        return LARGEST_REACHABLE
    low, high = 1, LARGEST_REACHABLE
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if target.feasible(mid) else (low, mid)
    return low


def run(name: str, target: SyntheticTarget, **params):
    spec = get_search(name)
    result = run_search(
        spec, target, make_params(spec, params), SearchContext(target.tpot_limit_ms)
    )
    note(f"{name}: answer {result.batch_size}, probes {result.sequence}")
    return result


@given(curves(), limits)
@example(ALL_FEASIBLE, None)
@example(NOTHING_FITS, 50.0)
@example(Curve(10.0, 0.1, "linear", capacity_gib=1e6), 10.0 + 0.1 * 124)
def test_exponential_answer_is_feasible_and_the_next_batch_is_not(curve, limit) -> None:
    target = SyntheticTarget(curve, limit)
    result = run("exponential", target)
    truth = true_boundary(target)
    assert result.batch_size == truth
    if truth is not None:
        assert target.feasible(truth)
        assert truth == LARGEST_REACHABLE or not target.feasible(truth + 1)


@given(curves(), limits)
@example(ALL_FEASIBLE, None)
@example(NOTHING_FITS, 50.0)
def test_the_oracle_knows_the_truth(curve, limit) -> None:
    target = SyntheticTarget(curve, limit)
    result = run("exhaustive", target)
    assert result.batch_size == true_boundary(target)
    assert result.oracle.monotone


@given(curves(), limits)
@example(Curve(5.0, 0.05, "concave", power=0.5, capacity_gib=1e6), 5.5)
def test_two_point_never_exceeds_the_oracle(curve, limit) -> None:
    target = SyntheticTarget(curve, limit)
    answer = run("two_point", target).batch_size
    truth = true_boundary(target)
    assert (answer is None) == (truth is None)
    if answer is not None:
        assert answer <= truth
        assert target.feasible(answer)


@given(curves(), limits, st.sampled_from(CANDIDATES))
@example(Curve(10.0, 0.1, "linear", capacity_gib=1e6), 10.05, "exponential")
def test_no_search_repeats_a_probe(curve, limit, name) -> None:
    """msmodeling's own loops may re-probe an end of their bracket (batch 1 or an expansion
    probe) in its inclusive binary search; that is the only repeat any search may make."""
    result = run(name, SyntheticTarget(curve, limit))
    repeats = repeated(result.sequence)
    if get_search(name).replicates_msmodeling:
        expansion = {1} | {INITIAL_RIGHT * 2**i for i in range(11)}
        assert set(repeats) <= expansion
        assert len(repeats) <= 1
    else:
        assert repeats == []


def binary_bound(bracket: tuple[int, int]) -> int:
    size = bracket[1] - bracket[0] + 1
    return math.floor(math.log2(size)) + 1 if size > 0 else 0


@given(curves(), limits)
def test_probe_counts_stay_within_their_analytic_bounds(curve, limit) -> None:
    target = SyntheticTarget(curve, limit)
    truth = true_boundary(target)
    for name in ("exponential", "two_point"):
        result = run(name, target)
        if truth is None:
            assert result.probes == 1
            continue
        bracket = result.details["bracket"]
        assert result.probes <= 1 + 10 + binary_bound(bracket)
        if name == "exponential" and truth <= INITIAL_RIGHT - 2:
            assert result.probes == 11, "msmodeling's table: 11 probes for 1 <= B* <= 510"


@given(curves(), st.floats(1.0, 200.0), st.floats(0.0, 100.0), st.sampled_from(CANDIDATES))
def test_raising_the_tpot_limit_never_lowers_an_answer(curve, limit, raise_by, name) -> None:
    lower = run(name, SyntheticTarget(curve, limit)).batch_size
    higher = run(name, SyntheticTarget(curve, limit + raise_by)).batch_size
    assert (higher or 0) >= (lower or 0)
