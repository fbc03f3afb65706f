"""certified_secant on adversarial synthetic curves: exact, never infeasible, bounded cost."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, note, target
from hypothesis import strategies as st

from harness.searches import SearchContext, get_search, make_params, run_search
from harness.searches.base import LARGEST_REACHABLE
from tests.properties.test_search_properties import true_boundary
from tests.synthetic import Curve, SyntheticTarget


@st.composite
def adversarial(draw) -> tuple[Curve, float | None]:
    """Linear, convex, concave, stepped, near-flat and cliff curves; some limits sit exactly on
    the TPOT of a probe-able batch."""
    shape = draw(st.sampled_from(["linear", "convex", "concave", "stepped", "flat", "near-flat"]))
    power = {"convex": draw(st.floats(1.05, 3.0)), "concave": draw(st.floats(0.1, 0.95))}
    base = float(draw(st.integers(1, 40)))
    scale = draw(st.sampled_from([1e-7, 1e-5, 1e-3, 0.01, 0.1, 0.5, 1.0, 2.0]))
    curve = Curve(
        base_ms=base,
        scale_ms=scale if shape != "near-flat" else 1e-9,
        shape="linear" if shape == "near-flat" else shape,
        power=power.get(shape, 1.0),
        step=draw(st.integers(1, 128)),
        per_request_gib=draw(st.floats(1e-5, 2.0)),
        capacity_gib=draw(st.floats(-1.0, 300.0)),
        cliff=draw(st.none() | st.integers(1, 100_000)),
    )
    if draw(st.booleans()):
        on_probe = draw(st.integers(1, 5000))
        limit = float(curve.tpot(np.array([on_probe]))[0])
    else:
        limit = draw(st.none() | st.floats(1.0, 500.0))
    return curve, limit


def run(name: str, target: SyntheticTarget):
    spec = get_search(name)
    return run_search(spec, target, make_params(spec), SearchContext(target.tpot_limit_ms))


@given(adversarial())
@example((Curve(10.0, 0.5, "linear", capacity_gib=1e6), 10.0 + 0.5 * 124))
@example((Curve(10.0, 0.5, "linear", capacity_gib=1e6), 10.0 + 0.5 * 7))
@example((Curve(1.0, 0.0, "flat", per_request_gib=1e-6, capacity_gib=1.0), None))
@example((Curve(10.0, 0.1, "linear", capacity_gib=-0.5), 50.0))
@example((Curve(10.0, 0.1, "linear", capacity_gib=1e6, cliff=300), 1000.0))
def test_exact_certified_and_never_infeasible(case) -> None:
    curve, limit = case
    target = SyntheticTarget(curve, limit)
    result = run("certified_secant", target)
    note(f"probes {result.sequence}")
    truth = true_boundary(target)
    assert result.batch_size == truth
    if truth is not None:
        assert target.feasible(result.batch_size)
        lo, hi = result.details["certificate"]
        assert lo == truth
        assert hi == truth + 1 or truth == LARGEST_REACHABLE
        assert {lo, hi} - {None} <= set(result.sequence)
    assert len(set(result.sequence)) == len(result.sequence), "a probe was repeated"


@given(adversarial())
def test_worst_case_is_about_twice_the_binary_search(case) -> None:
    curve, limit = case
    predicate = SyntheticTarget(curve, limit)
    ours = run("certified_secant", predicate).probes
    baseline = run("exponential", predicate).probes
    target(ours / baseline, label="probes / exponential probes")
    assert ours <= 2 * baseline + 2
