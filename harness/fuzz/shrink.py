"""Shrink a finding to a minimal deployment where the same search fails the same way.

Greedy and deterministic, over the knobs the fuzz draws (the model and the device stay: they are
what the finding is about): each knob in turn takes a simpler value (an earlier one of its draws,
a smaller power of two, a switch off) if the search still fails with it, until no knob can move.
A shard shrinks a finding exactly as the serial run does, because nothing here depends on what
else was drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from harness.errors import SearchbenchError
from harness.fuzz.check import Miss, Violation
from harness.fuzz.deployments import drawable
from harness.fuzz.report import Found, Shrunk
from harness.fuzz.settings import FuzzSettings
from harness.request import Declared, OptimizerRequest, request_knobs
from harness.scenarios.writer import deployment_mapping

KEPT = ("model", "device", "max_search_combinations")
"""Never shrunk: the model and device name the finding; the combinations limit only warns."""
MAX_TRIALS = 120
"""Evaluations one shrink may spend (each runs the search, the baseline and the oracle)."""

Finding = Violation | Miss


def shrink(found: Found, settings: FuzzSettings, trials: int = MAX_TRIALS) -> Found:
    """``found`` with its ``shrunk`` set (to itself as drawn when nothing simpler fails)."""
    assert found.request is not None, "only a finding of this run can be shrunk"
    from harness.fuzz.run import evaluate

    search = found.finding.search
    narrowed = replace(settings, candidates=(search,))
    cache: dict[OptimizerRequest, Finding | None] = {}

    def fails(request: OptimizerRequest) -> Finding | None:
        if request not in cache:
            cache[request] = _same_failure(found.finding, request, narrowed, evaluate)
        return cache[request]

    current, finding = found.request, found.finding
    moved = True
    while moved and len(cache) < trials:
        moved = False
        for trial in _simpler(current):
            if len(cache) >= trials:
                break
            again = fails(trial)
            if again is not None:
                current, finding, moved = trial, again, True
                break
    shrunk = Shrunk(deployment_mapping(current), finding, current)
    return replace(found, shrunk=shrunk)


def _same_failure(
    finding: Finding, request: OptimizerRequest, settings: FuzzSettings, evaluate: Callable
) -> Finding | None:
    try:
        _, found = evaluate(request, settings)
    except SearchbenchError:
        return None
    if isinstance(finding, Miss):
        same = [m for m in found.misses if m.search == finding.search]
    else:
        same = [v for v in found.violations if (v.search, v.prop) == (finding.search, finding.prop)]
    return same[0] if same else None


def _simpler(request: OptimizerRequest) -> Iterator[OptimizerRequest]:
    """Every request one knob simpler than ``request`` that the fuzz could have drawn."""
    for declared in request_knobs():
        if declared.name in KEPT:
            continue
        for value in _simpler_values(declared, getattr(request, declared.name)):
            try:
                trial = replace(request, **{declared.name: value})
            except SearchbenchError:
                continue
            if trial.tpot_limit_ms is None and trial.ttft_limit_ms is None:
                continue  # the fuzz always bounds a search by a limit
            if not drawable(trial):
                continue
            yield trial


def _simpler_values(declared: Declared, value: object) -> list[object]:
    draws = declared.knob.draws
    if draws:
        earlier = draws[: draws.index(value)] if value in draws else ()
        return list(dict.fromkeys(earlier))
    if isinstance(value, bool):
        return [False] if value else []
    minimum = getattr(getattr(declared.kind, "item", declared.kind), "minimum", 1) or 0
    if isinstance(value, int):
        return _powers_below(value, minimum)
    if isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], int):
        return [(v,) for v in _powers_below(value[0], minimum)]
    return []


def _powers_below(value: int, minimum: int) -> list[int]:
    candidates = ([0] if minimum == 0 else []) + [1 << i for i in range(value.bit_length())]
    return [v for v in candidates if minimum <= v < value]
