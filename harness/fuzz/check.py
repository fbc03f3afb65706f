"""The four properties every drawn deployment must keep, for every search but the oracle.

On every strategy, no search answers an infeasible batch. On each strategy whose feasibility is
monotone (the oracle says so):
- a search that claims exactness answers the oracle's batch;
- a search that does not stays within the tolerance of the baseline's answer;
- no search spends more probes than the baseline, unless it declares a bound.

Where feasibility is not monotone (compiled MoE layouts whose experts fuse only at some token
counts), "the answer" depends on which feasible run a search lands in: exponential stops at a
failing batch 1 where a search that opens at 8 finds a later run, so neither answers nor probe
counts compare.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from harness.gates.answers import within
from harness.optimizer import StrategyOutcome
from harness.scenarios.model import DEFAULT_TOLERANCE
from harness.searches import get_search


@dataclass(frozen=True)
class Violation:
    search: str
    strategy: str
    prop: str
    detail: str

    def __str__(self) -> str:
        return f"{self.search} at {self.strategy}: {self.prop}: {self.detail}"


def violations(
    outcomes: Sequence[StrategyOutcome],
    baseline: str,
    oracle: str,
    fits: Callable[[StrategyOutcome, int], bool],
    tolerance: float = DEFAULT_TOLERANCE,
) -> list[Violation]:
    """``fits(outcome, batch)``: whether that batch is feasible on the outcome's deployment."""
    by_key: dict[str, dict[str, StrategyOutcome]] = {}
    for outcome in outcomes:
        by_key.setdefault(outcome.key, {})[outcome.result.search] = outcome
    found: list[Violation] = []
    for key, runs in by_key.items():
        truth = runs[oracle].result
        monotone = truth.oracle is not None and truth.oracle.monotone
        base = runs[baseline].result
        for name, outcome in runs.items():
            if name == oracle:
                continue
            found += _check(name, key, outcome, base, truth, monotone, fits, tolerance)
    return found


def _check(name, key, outcome, base, truth, monotone, fits, tolerance) -> list[Violation]:
    spec = get_search(name)
    result = outcome.result
    out = []
    answer = result.batch_size
    if answer is not None and not fits(outcome, answer):
        out.append(Violation(name, key, "infeasible answer", f"batch {answer} does not fit"))
    if monotone and spec.exact and answer != truth.batch_size:
        out.append(
            Violation(name, key, "not exact", f"{answer} vs the oracle's {truth.batch_size}")
        )
    if (
        monotone
        and not spec.exact
        and name != base.search
        and not within(answer, base.batch_size, tolerance)
    ):
        out.append(
            Violation(
                name, key, "outside tolerance", f"{answer} vs {base.search}'s {base.batch_size}"
            )
        )
    if monotone and name != base.search:
        bound = spec.probe_bound(base.probes) if spec.probe_bound else base.probes
        if result.probes > bound:
            out.append(
                Violation(
                    name,
                    key,
                    "too many probes",
                    f"{result.probes} > {bound} ({base.search}: {base.probes})",
                )
            )
    return out
