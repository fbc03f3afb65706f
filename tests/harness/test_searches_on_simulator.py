"""The searches on the mission's scenario, against msmodeling's reference probe counts."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from harness.optimizer import OptimizerRequest, SearchRun, optimize
from harness.probe import Observation, ProbeRecorder
from harness.searches import SearchConfigError, SearchSpec, get_search, make_params, register
from harness.searches.base import NO_ESTIMATE, SearchContext
from harness.searches.two_point import TwoPointParams, estimate_right
from tests.mission import MISSION
from tests.synthetic import Curve, SyntheticTarget

MAIN = MISSION


@pytest.fixture(scope="module")
def eager():
    return {(o.parallel.tp, o.result.search): o.result for o in optimize(MAIN)}


def test_exponential_spends_eleven_probes_per_tp(eager) -> None:
    counts = {tp: eager[tp, "exponential"].probes for tp in (1, 2, 4, 8)}
    assert counts == {1: 11, 2: 11, 4: 11, 8: 11}


def test_exponential_tp8_sequence_is_msmodelings(eager) -> None:
    assert eager[8, "exponential"].sequence == (1, 512, 256, 128, 64, 96, 112, 120, 124, 126, 125)


def test_two_point_reaches_the_same_answers_with_at_most_29_probes(eager) -> None:
    for tp in (1, 2, 4, 8):
        assert eager[tp, "two_point"].batch_size == eager[tp, "exponential"].batch_size
    assert sum(eager[tp, "two_point"].probes for tp in (1, 2, 4, 8)) <= 29


def test_two_point_sequences_are_msmodelings(eager) -> None:
    assert eager[8, "two_point"].sequence == (1, 512, 93, 139, 116, 127, 121, 124, 125)
    assert eager[1, "two_point"].sequence == (1, 512, 5, 8, 6)


def test_the_oracle_agrees_with_both(eager) -> None:
    for tp in (1, 2, 4, 8):
        oracle = eager[tp, "exhaustive"]
        assert oracle.batch_size == eager[tp, "exponential"].batch_size
        assert oracle.oracle.monotone


def test_memory_bound_case_takes_eleven_probes_for_both() -> None:
    request = OptimizerRequest(
        model="Qwen/Qwen3-32B",
        input_length=3500,
        output_length=1500,
        num_devices=8,
        tp_sizes=(8,),
        searches=(SearchRun("exponential"), SearchRun("two_point")),
    )
    results = [o.result for o in optimize(request)]
    assert [(r.batch_size, r.probes) for r in results] == [(375, 11), (375, 11)]


def test_estimates_follow_msmodelings_unit_tests() -> None:
    context = SearchContext(tpot_limit_ms=20)
    left = Observation(1, True, None, 6.0, None, 10.0, 2.0)
    memory_only = Observation(8, True, None, None, None, 10.0, 2.0)
    assert estimate_right(left, memory_only, TwoPointParams(), SearchContext()) == 14
    latency = Observation(5, True, None, 18.0, None, 1e9, 1e-9)
    assert estimate_right(left, latency, TwoPointParams(slo_safety_factor=1.0), context) == 7
    no_data = Observation(8, True, None, None, None, 10.0, 0.0)
    assert estimate_right(left, no_data, TwoPointParams(), SearchContext()) == NO_ESTIMATE


def test_exponential_never_failing_expands_ten_times() -> None:
    target = SyntheticTarget(Curve(1.0, 0.0, "flat", per_request_gib=1e-6, capacity_gib=1.0), None)
    recorder = ProbeRecorder(target)
    outcome = get_search("exponential").run(
        recorder, make_params(get_search("exponential")), SearchContext()
    )
    assert recorder.sequence[:11] == (1, *(512 * 2**i for i in range(10)))
    assert outcome.details["bracket"] == (512 * 2**9, 512 * 2**10)
    assert outcome.batch_size == 512 * 2**10


def test_batch_range_skips_the_expansion() -> None:
    target = SyntheticTarget(Curve(10.0, 0.1, "linear", capacity_gib=1e6), 20.0)
    spec = get_search("two_point")
    from harness.searches import run_search

    result = run_search(spec, target, make_params(spec), SearchContext(20.0, None, (1, 8)))
    assert result.sequence == (1, 4, 6, 7, 8)
    assert result.batch_size == 8


def test_a_repeated_probe_is_paid_again() -> None:
    target = SyntheticTarget(Curve(10.0, 0.1, "linear", capacity_gib=1e6), 10.05)
    recorder = ProbeRecorder(target)
    recorder(1)
    recorder(1)
    assert recorder.probes == 2


def test_unknown_search_lists_the_registered_ones() -> None:
    with pytest.raises(SearchConfigError, match=r"unknown search 'nope' \(registered: exponential"):
        get_search("nope")


def test_bad_parameters_are_named() -> None:
    spec = get_search("two_point")
    with pytest.raises(SearchConfigError, match=r"unknown parameter.*bogus.*allowed: slo_safety"):
        make_params(spec, {"bogus": 1})
    with pytest.raises(SearchConfigError, match="slo_safety_factor must be > 0"):
        make_params(spec, {"slo_safety_factor": 0})
    with pytest.raises(SearchConfigError, match="expected float"):
        make_params(spec, {"slo_safety_factor": "big"})


def test_users_can_register_a_search() -> None:
    from dataclasses import dataclass

    from harness.searches import SEARCHES
    from harness.searches.base import Outcome

    @dataclass(frozen=True)
    class Params:
        start: int = 3

    def start_only(probe, params, context):
        return Outcome(params.start if probe(params.start).feasible else None)

    register(SearchSpec("start_only", start_only, Params, "probe one batch"))
    try:
        assert get_search("start_only").run is start_only
        with pytest.raises(SearchConfigError, match="already registered"):
            register(SearchSpec("start_only", start_only, Params, "again"))
    finally:
        del SEARCHES["start_only"]


@dataclass(frozen=True)
class _ExtensionParams:
    cap: int | None = None
    sizes: tuple[int, ...] = field(default_factory=tuple)
    factor: float = 1.0
    label: str = "x"


def test_params_are_checked_against_type_hints_not_defaults() -> None:
    """A None default or a default_factory no longer rejects every value (issue 11)."""
    spec = SearchSpec("extension", lambda probe, params, context: None, _ExtensionParams, "")
    params = make_params(spec, {"cap": 64, "sizes": [1, 2], "factor": 2, "label": "y"})
    assert params == _ExtensionParams(cap=64, sizes=(1, 2), factor=2.0, label="y")
    assert make_params(spec, {"cap": None}).cap is None
    with pytest.raises(SearchConfigError, match=r"extension\.cap: expected int \| None"):
        make_params(spec, {"cap": "many"})
    with pytest.raises(SearchConfigError, match=r"extension\.sizes"):
        make_params(spec, {"sizes": ["a"]})
    with pytest.raises(SearchConfigError, match=r"extension\.factor"):
        make_params(spec, {"factor": True})


def test_msmodelings_name_is_an_alias_of_two_point() -> None:
    assert get_search("linear_exponential") is get_search("two_point")
