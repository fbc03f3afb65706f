"""A search cannot fool the count or stop the run: whatever it raises, returns or probes, it
fails alone on that strategy with one line, and its probes are counted on the recorder's side."""

from __future__ import annotations

import sys
import time
from dataclasses import replace

import pytest

from harness.optimizer import optimize, search_strategy
from harness.request import SearchRun
from harness.searches import SEARCHES, SearchLimits, SearchSpec, register
from harness.searches.base import Outcome
from harness.searches.exponential import ExponentialParams, exponential
from harness.searches.external import NoParams
from tests.mission import MISSION

REQUEST = replace(MISSION, tp_sizes=(8,))


def _hides_probes(probe, params, context):
    outcome = exponential(probe, ExponentialParams(), context)
    del probe.trace[:-1]
    return outcome


def _clears_the_record(probe, params, context):
    """Reaches past the read-only trace to the recorder's own tally."""
    outcome = exponential(probe, ExponentialParams(), context)
    del probe._read().trace[:-1]
    return outcome


def _forges_sweeps(probe, params, context):
    outcome = exponential(probe, ExponentialParams(), context)
    probe._read().swept -= len(probe.trace) - 1
    return outcome


def _loops(probe, params, context):
    while True:
        pass


def _sleeps(probe, params, context):
    time.sleep(3600)


def _probes_forever(probe, params, context):
    batch = 1
    while True:
        probe(batch)
        batch += 1


HOSTILE = {
    "hides_probes": (_hides_probes, "raised TypeError"),
    "clears_the_record": (_clears_the_record, "altered its probe record: the simulator evaluated"),
    "forges_sweeps": (_forges_sweeps, "altered its probe record: the simulator evaluated"),
    "exits": (lambda probe, params, context: sys.exit(0), "raised SystemExit: 0"),
    "recurses": (
        lambda probe, params, context: (_ for _ in ()).throw(RecursionError("too deep")),
        "raised RecursionError: too deep",
    ),
    "returns_none": (lambda probe, params, context: None, "returned NoneType None, not an Outcome"),
    "returns_text": (lambda probe, params, context: "12", "returned str '12', not an Outcome"),
    "probes_zero": (lambda probe, params, context: probe(0), "probed batch 0: batch sizes are"),
    "probes_negative": (lambda probe, params, context: probe(-1), "probed batch -1"),
    "probes_nan": (lambda probe, params, context: probe(float("nan")), "probed nan"),
    "probes_float": (lambda probe, params, context: probe(12.0), "the float 12.0 (pass an int)"),
    "probes_huge": (lambda probe, params, context: probe(10**30), "probed batch 1000000000000"),
    "answers_huge": (
        lambda probe, params, context: Outcome(10**30),
        "answered batch 1000000000000000000000000000000, not a batch size 1..2,147,483,647",
    ),
    "loops": (_loops, "stopped at its time limit, 0.5 s"),
    "sleeps": (_sleeps, "stopped at its time limit, 0.5 s"),
    "probes_forever": (_probes_forever, "stopped at its probe budget, 110 probes"),
}


@pytest.fixture(autouse=True)
def registered():
    for name, (run, _) in HOSTILE.items():
        register(SearchSpec(f"hostile_{name}", run, NoParams, name))
    yield
    for name in HOSTILE:
        SEARCHES.pop(f"hostile_{name}", None)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_search_fails_alone_with_one_line(name: str) -> None:
    strategy = REQUEST.strategies()[0]
    limits = SearchLimits(probes=110, seconds=0.5)
    outcome = search_strategy(REQUEST, strategy, SearchRun(f"hostile_{name}"), limits=limits)
    result = outcome.result
    assert result.failure is not None and HOSTILE[name][1] in result.failure
    assert "\n" not in result.failure
    assert result.batch_size is None


@pytest.mark.parametrize("name", ["hides_probes", "clears_the_record", "forges_sweeps"])
def test_hidden_probes_are_still_counted(name: str) -> None:
    strategy = REQUEST.strategies()[0]
    honest = search_strategy(REQUEST, strategy, SearchRun("exponential")).result
    outcome = search_strategy(REQUEST, strategy, SearchRun(f"hostile_{name}"))
    assert honest.probes == 11
    assert outcome.result.probes == honest.probes


def test_the_run_goes_on_after_a_search_exits() -> None:
    runs = (SearchRun("exponential"), SearchRun("hostile_exits"), SearchRun("two_point"))
    request = replace(MISSION, searches=runs)
    outcomes = optimize(request)
    assert len(outcomes) == 12
    assert all(o.result.failure for o in outcomes if o.result.search == "hostile_exits")
    assert all(o.result.batch_size for o in outcomes if o.result.search == "two_point")


def test_the_budget_follows_the_baseline() -> None:
    limits = SearchLimits.after(11)
    assert limits.probes == 110
    assert SearchLimits.after(None).probes == 200 and SearchLimits.after(1).probes == 20
