"""The registry of batch-size searches. Add one with ``register(SearchSpec(...))``."""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.errors import SearchbenchError
from harness.probe import ProbeRecorder
from harness.request import BASELINE_SEARCH
from harness.request.spelling import did_you_mean, shown
from harness.searches import external
from harness.searches.base import OracleFindings, Outcome, SearchContext, SearchResult
from harness.searches.certified_secant import CertifiedSecantParams, certified_secant
from harness.searches.exhaustive import ExhaustiveParams, exhaustive
from harness.searches.exponential import ExponentialParams, exponential
from harness.searches.two_point import TwoPointParams, two_point
from harness.searches.two_point_checked import probe_bound, two_point_checked


class SearchConfigError(SearchbenchError):
    """An unknown search or a bad parameter; the message lists what is allowed."""


@dataclass(frozen=True)
class SearchSpec:
    name: str
    run: Callable[[ProbeRecorder, Any, SearchContext], Outcome]
    params_type: type
    description: str
    replicates_msmodeling: bool = False
    is_oracle: bool = False
    exact: bool = False
    """Claims the oracle's answer wherever feasibility is monotone (fuzzing checks it); a search
    that does not is held to its scenario's tolerance of the baseline instead."""
    probe_bound: Callable[[int], int] | None = None
    """Most probes allowed given the baseline's; None: never more than the baseline."""


SEARCHES: dict[str, SearchSpec] = {}
ALIASES: dict[str, str] = {"linear_exponential": "two_point"}
"""msmodeling's names for our replicas (its --concurrency-search-strategy values)."""


def register(spec: SearchSpec) -> SearchSpec:
    if spec.name in SEARCHES:
        raise SearchConfigError(f"search {spec.name!r} is already registered")
    SEARCHES[spec.name] = spec
    return spec


PLUGIN_PROBLEMS: dict[str, str] = {}
_plugins_loaded = False


def load_plugins() -> dict[str, str]:
    """Register the installed plugins' searches once; return {plugin: one-line error}."""
    global _plugins_loaded
    if not _plugins_loaded:
        _plugins_loaded = True
        PLUGIN_PROBLEMS.update(external.load_entry_points(register, _to_spec))
    return PLUGIN_PROBLEMS


def _to_spec(obj: object, name: str, origin: str) -> SearchSpec:
    return external.spec_from(obj, name, origin, SearchSpec, SearchConfigError)


def get_search(name: str) -> SearchSpec:
    """A registered search, an alias, an installed plugin's, msmodeling's own
    (``msmodeling:exponential``), or a ``package.module:callable`` reference."""
    name = ALIASES.get(name, name)
    if name in SEARCHES:
        return SEARCHES[name]
    load_plugins()
    if name in SEARCHES:
        return SEARCHES[name]
    if name in PLUGIN_PROBLEMS:
        raise SearchConfigError(PLUGIN_PROBLEMS[name])
    if name.startswith(MSMODELING_PREFIX):
        return msmodeling_search(name)
    if ":" in name:
        try:
            obj = external.resolve_reference(name)
        except SearchbenchError as error:
            raise SearchConfigError(str(error)) from None
        return register(_to_spec(obj, name, name))
    raise _unknown(name)


def canonical_name(name: str) -> str:
    """A search's own name: an alias (``linear_exponential``) names the search it stands for."""
    return ALIASES.get(name, name)


def check_name(
    name: str, modules: tuple[str, ...] = (), config: str = "pyproject.toml"
) -> SearchSpec | None:
    """Check a search name as a scenario file gives it, importing nothing: a registered search or
    an alias (its spec, whose parameters can then be checked), an installed plugin's entry
    point, ``msmodeling:<strategy>``, or ``package.module:callable`` from an installed plugin or
    one of the project's allowed ``modules``. Those three are resolved when a run needs them
    (None here); anything else is a SearchConfigError saying what is allowed (``config``: the
    file that would allow a module)."""
    if ":" not in name:
        if canonical_name(name) in SEARCHES:
            return SEARCHES[canonical_name(name)]
        if name in external.entry_points():
            return None
        raise _unknown(name)
    if name.startswith(MSMODELING_PREFIX):
        strategy = name[len(MSMODELING_PREFIX) :]
        if strategy in msmodeling.STRATEGIES:
            return None
        raise SearchConfigError(f"{name}: msmodeling's searches are {_msmodeling_names()}")
    try:
        module, _ = external.reference_parts(name)
        allowed = external.reference_allowed(name, modules)
    except SearchbenchError as error:
        raise SearchConfigError(str(error)) from None
    if allowed:
        return None
    listed = ", ".join(repr(m) for m in modules) or "none"
    raise SearchConfigError(
        f"{shown(name)}: scenario files import no code, and module {module!r} is not one the "
        f"project allows (allowed: {listed}); list it in [tool.searchbench] searches of "
        f"{config}, or install it as a plugin"
    )


def _unknown(name: str) -> SearchConfigError:
    names = [n for n in dict.fromkeys([*SEARCHES, *ALIASES, *external.entry_points()])]
    names = [n for n in names if ":" not in n]
    known = [f"{n} (= {ALIASES[n]})" if n in ALIASES else n for n in names]
    return SearchConfigError(
        f"unknown search {shown(name)} ({did_you_mean(name, names)}registered: "
        f"{', '.join(known)}; or package.module:callable, or {_msmodeling_names()})"
    )


def _msmodeling_names() -> str:
    return " / ".join(f"{MSMODELING_PREFIX}{s}" for s in msmodeling.STRATEGIES)


def make_params(spec: SearchSpec, values: Mapping[str, object] | None = None) -> object:
    """Build a search's frozen params from a mapping, checking each value against its field's
    type hint (so ``None`` defaults, unions and ``default_factory`` fields work)."""
    values = dict(values or {})
    allowed = {f.name: f for f in dataclasses.fields(spec.params_type)}
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise SearchConfigError(
            f"{spec.name}: unknown parameter(s) {', '.join(unknown)} "
            f"(allowed: {', '.join(allowed) or 'none'})"
        )
    hints = _hints(spec.params_type)
    for key, value in values.items():
        try:
            values[key] = _coerce(hints.get(key, Any), value)
        except TypeError:
            raise SearchConfigError(
                f"{spec.name}.{key}: expected {_type_name(hints.get(key, Any))}, got {value!r}"
            ) from None
    try:
        return spec.params_type(**values)
    except ValueError as error:
        raise SearchConfigError(f"{spec.name}: {error}") from None


@functools.cache
def _hints(params_type: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(params_type)
    except (NameError, TypeError):
        return {}


def _coerce(annotation: Any, value: object) -> object:
    """``value`` as ``annotation`` holds it (an int where a float is wanted becomes a float)."""
    origin = typing.get_origin(annotation)
    if annotation is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(annotation):
            try:
                return _coerce(option, value)
            except TypeError:
                continue
        raise TypeError
    if annotation is type(None):
        if value is None:
            return None
        raise TypeError
    if isinstance(value, bool) and annotation is not bool:
        raise TypeError
    if annotation is float and isinstance(value, int):
        return float(value)
    if origin in (tuple, list) and isinstance(value, (list, tuple)):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        items = [_coerce(args[0] if args else Any, item) for item in value]
        return origin(items)
    if isinstance(value, origin or annotation):
        return value
    raise TypeError


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


def _twice_plus_two(baseline: int) -> int:
    """certified_secant's stall rule falls back to doubling and bisection after three stalls,
    so it spends at most about twice the baseline (property-tested: 2 x baseline + 2)."""
    return 2 * baseline + 2


register(
    SearchSpec(
        BASELINE_SEARCH,
        exponential,
        ExponentialParams,
        "msmodeling's baseline: batch 1, double from 512, inclusive binary search",
        replicates_msmodeling=True,
        exact=True,
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
        exact=True,
        probe_bound=_twice_plus_two,
    )
)
register(
    SearchSpec(
        "two_point_checked",
        two_point_checked,
        TwoPointParams,
        "two_point, with a binding estimate checked at cap + 1 and inf latencies left out",
        replicates_msmodeling=True,
        exact=True,
        probe_bound=probe_bound,
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

from harness.searches import msmodeling  # noqa: E402
from harness.searches.msmodeling import MSMODELING_PREFIX, msmodeling_search  # noqa: E402
from harness.searches.running import SearchLimits, run_search  # noqa: E402

__all__ = [
    "ALIASES",
    "PLUGIN_PROBLEMS",
    "SEARCHES",
    "OracleFindings",
    "SearchConfigError",
    "SearchContext",
    "SearchLimits",
    "SearchResult",
    "SearchSpec",
    "canonical_name",
    "check_name",
    "get_search",
    "load_plugins",
    "make_params",
    "register",
    "run_search",
]
