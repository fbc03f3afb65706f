"""The properties every drawn deployment must keep, for every search but the oracle.

Two kinds of search, two kinds of property. Every search, on every strategy, must finish (a search
that raises or runs away has failed) and never answer an infeasible batch. On each strategy whose
feasibility is monotone (the oracle says so):

- a search that claims exactness (``SearchSpec.exact``) answers the oracle's batch. Any failure of
  these strict properties fails the run;
- a heuristic search (any other) stays within the tolerance of the oracle's batch. Where it does
  not, that is a *miss*, judged against the ledger of known misses (``ledger.py``) instead;
- no search spends more probes than the baseline, unless it declares a bound (strict).

Where feasibility is not monotone (compiled MoE layouts whose experts fuse only at some token
counts), "the answer" depends on which feasible run a search lands in: exponential stops at a
failing batch 1 where a search that opens at 8 finds a later run, so neither answers nor probe
counts compare.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from harness.gates.answers import within
from harness.optimizer import StrategyOutcome
from harness.scenarios.model import DEFAULT_TOLERANCE
from harness.searches import SearchResult, get_search


@dataclass(frozen=True)
class Violation:
    """A strict property that failed."""

    search: str
    strategy: str
    prop: str
    detail: str

    def __str__(self) -> str:
        return f"{self.search} at {self.strategy}: {self.prop}: {self.detail}"


@dataclass(frozen=True)
class Miss:
    """A heuristic search outside its tolerance of the oracle, where feasibility is monotone."""

    search: str
    strategy: str
    answer: int | None
    oracle: int
    miss_pct: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "miss_pct", miss_pct(self.answer, self.oracle))

    def __str__(self) -> str:
        return (
            f"{self.search} at {self.strategy}: {self.answer} where the oracle answers "
            f"{self.oracle} ({self.miss_pct:g}% short)"
        )


def miss_pct(answer: int | None, oracle: int) -> float:
    """How far short of the oracle an answer is, in % of the oracle's batch (3 decimals)."""
    return round(100.0 * (oracle - (answer or 0)) / oracle, 3)


@dataclass(frozen=True)
class Findings:
    violations: tuple[Violation, ...] = ()
    misses: tuple[Miss, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.violations or self.misses)


def check(
    outcomes: Sequence[StrategyOutcome],
    baseline: str,
    oracle: str,
    fits: Callable[[StrategyOutcome, int], bool],
    tolerance: float = DEFAULT_TOLERANCE,
) -> Findings:
    """``fits(outcome, batch)``: whether that batch is feasible on the outcome's deployment."""
    by_key: dict[str, dict[str, StrategyOutcome]] = {}
    for outcome in outcomes:
        by_key.setdefault(outcome.key, {})[outcome.result.search] = outcome
    violations: list[Violation] = []
    misses: list[Miss] = []
    for key, runs in by_key.items():
        truth = runs[oracle].result
        monotone = truth.oracle is not None and truth.oracle.monotone
        base = runs[baseline].result
        for name, outcome in runs.items():
            if name == oracle:
                continue
            found, missed = _check(name, key, outcome, base, truth, monotone, fits, tolerance)
            violations += found
            misses += missed
    return Findings(tuple(violations), tuple(misses))


def violations(outcomes, baseline, oracle, fits, tolerance=DEFAULT_TOLERANCE) -> list[Violation]:
    """The strict failures alone (a heuristic search's misses are not among them)."""
    return list(check(outcomes, baseline, oracle, fits, tolerance).violations)


def _check(
    name: str,
    key: str,
    outcome: StrategyOutcome,
    base: SearchResult,
    truth: SearchResult,
    monotone: bool,
    fits: Callable[[StrategyOutcome, int], bool],
    tolerance: float,
) -> tuple[list[Violation], list[Miss]]:
    spec = get_search(name)
    result = outcome.result
    if result.failure is not None:
        return [Violation(name, key, "search failed", result.failure)], []
    out, missed = [], []
    answer = result.batch_size
    if answer is not None and not fits(outcome, answer):
        out.append(Violation(name, key, "infeasible answer", f"batch {answer} does not fit"))
    elif monotone and spec.exact and answer != truth.batch_size:
        out.append(
            Violation(name, key, "not exact", f"{answer} vs the oracle's {truth.batch_size}")
        )
    elif monotone and not spec.exact and not within(answer, truth.batch_size, tolerance):
        # the oracle has a batch here: any answer that fits where none does was caught above
        missed.append(Miss(name, key, answer, truth.batch_size))
    if monotone and name != base.search and base.failure is None:
        bound = spec.probe_bound(base.probes) if spec.probe_bound else base.probes
        if result.probes > bound:
            detail = f"{result.probes} > {bound} ({base.search}: {base.probes})"
            out.append(Violation(name, key, "too many probes", detail))
    return out, missed
