"""What a fuzz run saw, as values that merge: the per-search probe tallies, every finding at its
draw index, and why the run stopped if it stopped early. Shards of one draw merge into exactly
what the serial run reports (``merge``), because every count is a sum, every list is sorted by
draw index, and every "worst" breaks ties by draw order."""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from harness.errors import SearchbenchError
from harness.fuzz.check import Miss, Violation
from harness.fuzz.settings import FuzzSettings
from harness.gates.store import natural_key
from harness.request import OptimizerRequest


class MergeError(SearchbenchError):
    """Fuzz outputs that are not the shards of one draw."""


def where(deployment: Mapping[str, object]) -> str:
    """A deployment mapping as one line: the knobs that differ from their defaults."""
    return ", ".join(f"{name}={value}" for name, value in deployment.items())


def canonical(deployment: Mapping[str, object]) -> str:
    return json.dumps(deployment, sort_keys=True)


@dataclass(frozen=True)
class Shrunk:
    """A finding shrunk to a minimal deployment (the same search failing the same way)."""

    deployment: Mapping[str, object]
    finding: Violation | Miss
    request: OptimizerRequest | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Found:
    """A finding at the deployment of draw ``index`` (0-based), in the form --save writes."""

    index: int
    deployment: Mapping[str, object]
    finding: Violation | Miss
    request: OptimizerRequest | None = field(default=None, compare=False, repr=False)
    """The drawn request, for shrinking and saving; None once read back from JSON."""
    shrunk: Shrunk | None = None

    @property
    def key(self) -> tuple[int, str, str, str]:
        """What a ledger entry is matched on: the draw, the strategy, the search, the knobs."""
        return (self.index, self.finding.strategy, self.finding.search, canonical(self.deployment))

    @property
    def where(self) -> str:
        return where(self.deployment)

    def order(self) -> tuple:
        finding = self.finding
        return (self.index, natural_key(finding.strategy), finding.search, str(finding))


def in_order(found: Sequence[Found]) -> tuple[Found, ...]:
    return tuple(sorted(found, key=Found.order))


@dataclass(frozen=True)
class Worst:
    """The strategy where a search spent the most probes; the first in draw order on a tie."""

    probes: int
    index: int
    position: int
    """The strategy's place among the deployment's outcomes."""
    where: str

    def rank(self) -> tuple[int, int, int]:
        return (self.probes, -self.index, -self.position)

    def beats(self, other: Worst | None) -> bool:
        return other is None or self.rank() > other.rank()


@dataclass(frozen=True)
class SearchStats:
    """One search's probes over the strategies checked, as a histogram (so shards add up)."""

    exact: bool
    probes: Mapping[int, int] = field(default_factory=dict)
    """Probes spent -> strategies that spent them."""
    monotone: int = 0
    equal: int = 0
    """Strategies where feasibility is monotone, and of those, where it answered the oracle's."""
    worst: Worst | None = None

    def plus(self, probes: int, equal: bool, monotone: bool, worst: Worst) -> SearchStats:
        counts = dict(self.probes)
        counts[probes] = counts.get(probes, 0) + 1
        return replace(
            self,
            probes=counts,
            monotone=self.monotone + monotone,
            equal=self.equal + (monotone and equal),
            worst=worst if worst.beats(self.worst) else self.worst,
        )

    def merged(self, other: SearchStats) -> SearchStats:
        counts = dict(self.probes)
        for probes, strategies in other.probes.items():
            counts[probes] = counts.get(probes, 0) + strategies
        best = other.worst if other.worst and other.worst.beats(self.worst) else self.worst
        return replace(
            self,
            probes=dict(sorted(counts.items())),
            monotone=self.monotone + other.monotone,
            equal=self.equal + other.equal,
            worst=best,
        )

    @property
    def strategies(self) -> int:
        return sum(self.probes.values())

    def summary(self) -> dict[str, object]:
        ordered = [p for p, n in sorted(self.probes.items()) for _ in range(n)] or [0]
        return {
            "strategies": self.strategies,
            "mean": statistics.fmean(ordered),
            "median": statistics.median(ordered),
            "p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
            "max": ordered[-1],
            "equals_oracle_where_monotone": f"{self.equal}/{self.monotone}",
            "worst": self.worst.where if self.worst else "",
        }


@dataclass(frozen=True)
class Stop:
    """Why a run ended before its last draw."""

    reason: str
    """``first failure`` or ``interrupted``."""
    drawn: int
    signal: str | None = None

    def __str__(self) -> str:
        if self.reason == "interrupted":
            return f"interrupted by {self.signal or 'SIGINT'} after {self.drawn} draws"
        return f"stopped at the first failure, after {self.drawn} draws"


@dataclass(frozen=True)
class FuzzReport:
    settings: FuzzSettings
    drawn: int = 0
    """Deployments drawn (every shard draws all of them and checks its own)."""
    checked: int = 0
    refused: int = 0
    """Drawn deployments the simulator refused (the strategy should draw none)."""
    stats: Mapping[str, SearchStats] = field(default_factory=dict)
    misses: tuple[Found, ...] = ()
    """Every heuristic search's miss, in draw order."""
    failures: tuple[Found, ...] = ()
    """Every strict failure seen (the first, shrunk, when the run stopped there)."""
    stop: Stop | None = None

    @property
    def deployments(self) -> int:
        return self.checked

    @property
    def passed(self) -> bool:
        """No strict failure (the misses are judged against the ledger, ``ledger.judge``)."""
        return not self.failures

    @property
    def complete(self) -> bool:
        return self.stop is None


def merge_reports(reports: Sequence[FuzzReport]) -> FuzzReport:
    """The shards of one draw as the serial run: every shard of ``N`` once, none stopped."""
    first = reports[0].settings
    same = replace(first, shard=(0, 1), keep_going=False)
    for report in reports:
        if replace(report.settings, shard=(0, 1), keep_going=False) != same:
            raise MergeError("the outputs are of different draws, searches or tolerances")
        if report.stop is not None:
            raise MergeError(f"shard {_shard(report)} {report.stop}: run it again")
    shards = sorted(report.settings.shard for report in reports)
    count = first.shard[1]
    if shards != [(i, count) for i in range(count)]:
        have = ", ".join(f"{i}/{n}" for i, n in shards)
        raise MergeError(f"need each of the {count} shards once, got {have}")
    stats = dict(reports[0].stats)
    for report in reports[1:]:
        stats = {name: stats[name].merged(report.stats[name]) for name in stats}
    return FuzzReport(
        same,
        drawn=reports[0].drawn,
        checked=sum(r.checked for r in reports),
        refused=sum(r.refused for r in reports),
        stats=stats,
        misses=in_order([f for r in reports for f in r.misses]),
        failures=in_order([f for r in reports for f in r.failures]),
    )


def _shard(report: FuzzReport) -> str:
    shard, shards = report.settings.shard
    return f"{shard}/{shards}"
