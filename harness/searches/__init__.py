"""The registry of batch-size searches. Add one with ``register(SearchSpec(...))``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.probe import ProbeRecorder, ProbeTarget
from harness.searches.base import Outcome, SearchContext, SearchResult
from harness.searches.certified_secant import CertifiedSecantParams, certified_secant
from harness.searches.exhaustive import ExhaustiveParams, exhaustive
from harness.searches.exponential import ExponentialParams, exponential
from harness.searches.two_point import TwoPointParams, two_point


class SearchConfigError(ValueError):
    """An unknown search or a bad parameter; the message lists what is allowed."""


@dataclass(frozen=True)
class SearchSpec:
    name: str
    run: Callable[[ProbeRecorder, Any, SearchContext], Outcome]
    params_type: type
    description: str
    replicates_msmodeling: bool = False
    is_oracle: bool = False


SEARCHES: dict[str, SearchSpec] = {}


def register(spec: SearchSpec) -> SearchSpec:
    if spec.name in SEARCHES:
        raise SearchConfigError(f"search {spec.name!r} is already registered")
    SEARCHES[spec.name] = spec
    return spec


def get_search(name: str) -> SearchSpec:
    try:
        return SEARCHES[name]
    except KeyError:
        raise SearchConfigError(
            f"unknown search {name!r} (registered: {', '.join(SEARCHES)})"
        ) from None


def make_params(spec: SearchSpec, values: Mapping[str, object] | None = None) -> object:
    """Build a search's frozen params from a mapping, rejecting unknown keys and bad values."""
    values = dict(values or {})
    allowed = {f.name: f for f in dataclasses.fields(spec.params_type)}
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise SearchConfigError(
            f"{spec.name}: unknown parameter(s) {', '.join(unknown)} "
            f"(allowed: {', '.join(allowed) or 'none'})"
        )
    for key, value in values.items():
        expected = type(allowed[key].default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            values[key] = float(value)
        elif not isinstance(values[key], expected) or isinstance(value, bool):
            raise SearchConfigError(
                f"{spec.name}.{key}: expected {expected.__name__}, got {value!r}"
            )
    try:
        return spec.params_type(**values)
    except ValueError as error:
        raise SearchConfigError(f"{spec.name}: {error}") from None


def run_search(
    spec: SearchSpec, target: ProbeTarget, params: object, context: SearchContext
) -> SearchResult:
    recorder = ProbeRecorder(target)
    outcome = spec.run(recorder, params, context)
    return SearchResult(
        search=spec.name,
        batch_size=outcome.batch_size,
        probes=recorder.probes,
        sequence=recorder.sequence,
        trace=tuple(recorder.trace),
        early_stop=outcome.early_stop,
        details=outcome.details,
    )


register(
    SearchSpec(
        "exponential",
        exponential,
        ExponentialParams,
        "msmodeling's baseline: batch 1, double from 512, inclusive binary search",
        replicates_msmodeling=True,
    )
)
register(
    SearchSpec(
        "two_point",
        two_point,
        TwoPointParams,
        "two-point estimate of the right bound from the batch-1 and expansion probes",
        replicates_msmodeling=True,
    )
)
register(
    SearchSpec(
        "certified_secant",
        certified_secant,
        CertifiedSecantParams,
        "safeguarded secant on memory/TPOT/TTFT, ending with a feasible/infeasible certificate",
    )
)
register(
    SearchSpec(
        "exhaustive",
        exhaustive,
        ExhaustiveParams,
        "the oracle: one vectorized sweep over every batch size up to the cap",
        is_oracle=True,
    )
)

__all__ = [
    "SEARCHES",
    "SearchConfigError",
    "SearchContext",
    "SearchResult",
    "SearchSpec",
    "get_search",
    "make_params",
    "register",
    "run_search",
]
