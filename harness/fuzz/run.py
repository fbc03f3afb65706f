"""``fuzz``: draw deployments with hypothesis, run every search and the oracle on each, check the
properties, and shrink a failure to a minimal deployment. Deterministic for a seed and a count.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, given, seed, settings

from harness.door import Deployment
from harness.errors import SearchbenchError
from harness.fuzz.check import Violation, violations
from harness.fuzz.deployments import deployments, describe
from harness.fuzz.settings import FuzzSettings
from harness.optimizer import StrategyOutcome, optimize
from harness.probe import SweptTarget
from harness.request import OptimizerRequest
from harness.searches import get_search


@dataclass
class SearchStats:
    probes: list[int] = field(default_factory=list)
    exact: int = 0
    monotone: int = 0
    worst: tuple[int, str] = (0, "")

    def add(self, probes: int, exact: bool, monotone: bool, where: str) -> None:
        self.probes.append(probes)
        self.monotone += monotone
        self.exact += monotone and exact
        if probes > self.worst[0]:
            self.worst = (probes, where)

    def summary(self) -> dict[str, object]:
        ordered = sorted(self.probes) or [0]
        return {
            "strategies": len(self.probes),
            "mean": statistics.fmean(ordered),
            "median": statistics.median(ordered),
            "p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
            "max": ordered[-1],
            "equals_oracle_where_monotone": f"{self.exact}/{self.monotone}",
            "worst": self.worst[1],
        }


@dataclass
class FuzzReport:
    settings: FuzzSettings
    deployments: int = 0
    stats: dict[str, SearchStats] = field(default_factory=dict)
    failure: tuple[OptimizerRequest, list[Violation]] | None = None
    """The first failure, shrunk to a minimal deployment (or, with keep_going, as drawn)."""
    violations: list[tuple[OptimizerRequest, Violation]] = field(default_factory=list)
    refused: int = 0
    """Drawn deployments the simulator refused (the strategy should draw none)."""

    @property
    def passed(self) -> bool:
        return self.failure is None


def evaluate(request: OptimizerRequest, settings: FuzzSettings):
    """Every search and the oracle on one drawn deployment, sharing one sweep per deployment."""
    targets: dict[Deployment, SweptTarget] = {}

    def target_for(deployment: Deployment) -> SweptTarget:
        if deployment not in targets:
            targets[deployment] = SweptTarget(deployment)
        return targets[deployment]

    outcomes = optimize(request, target_for=target_for)

    def fits(outcome: StrategyOutcome, batch: int) -> bool:
        deployment = request.deployment(outcome.strategy, outcome.max_batched_tokens)
        return target_for(deployment)(batch).feasible

    found = violations(outcomes, settings.baseline, settings.oracle, fits, settings.tolerance)
    return outcomes, found


def fuzz(settings: FuzzSettings, progress: Callable[[int, int], None] | None = None) -> FuzzReport:
    for run in settings.runs:
        get_search(run.name)
    report = FuzzReport(settings, stats={run.name: SearchStats() for run in settings.runs[:-1]})
    index, (shard, shards) = [0], settings.shard

    @seed(settings.seed)
    @settings_for(settings)
    @given(request=deployments(settings.runs))
    def check(request: OptimizerRequest) -> None:
        shrinking = report.failure is not None and not settings.keep_going
        if not shrinking:
            index[0] += 1
            if progress:
                progress(index[0], settings.examples)
            if index[0] % shards != shard:
                return
        try:
            outcomes, found = evaluate(request, settings)
        except SearchbenchError:
            report.refused += 1
            return
        if report.failure is None or settings.keep_going:
            _record(report, request, outcomes)
        if found and settings.keep_going:
            report.violations += [(request, violation) for violation in found]
            report.failure = report.failure or (request, found)
        elif found:
            report.failure = (request, found)
            raise AssertionError(str(found[0]))

    try:
        check()
    except Exception:  # hypothesis re-raises the shrunk failure; the report holds it
        if report.failure is None:
            raise
    return report


def settings_for(fuzz_settings: FuzzSettings):
    return settings(
        max_examples=fuzz_settings.examples,
        database=None,
        deadline=None,
        print_blob=False,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )


def _record(report: FuzzReport, request: OptimizerRequest, outcomes) -> None:
    report.deployments += 1
    oracle = report.settings.oracle
    truths = {o.key: o.result for o in outcomes if o.result.search == oracle}
    where = describe(request)
    for outcome in outcomes:
        name = outcome.result.search
        if name == oracle:
            continue
        truth = truths[outcome.key]
        monotone = bool(truth.oracle and truth.oracle.monotone)
        exact = outcome.result.batch_size == truth.batch_size
        report.stats[name].add(outcome.result.probes, exact, monotone, f"{outcome.key}: {where}")
