"""A run's misses judged against the ledger: new, worse, fixed or known; and the run's verdict."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from harness.fuzz.check import Miss
from harness.fuzz.ledger import Ledger
from harness.fuzz.report import Found, FuzzReport, in_order


@dataclass(frozen=True)
class Worse:
    found: Found
    recorded_pct: float
    """The ledger's miss for the same draw, strategy and search, in %."""


@dataclass(frozen=True)
class Verdict:
    new: tuple[Found, ...] = ()
    worse: tuple[Worse, ...] = ()
    fixed: tuple[Found, ...] = ()
    """Ledger entries in this run's reach that it no longer finds."""
    known: int = 0

    def merged(self, other: Verdict) -> Verdict:
        return Verdict(
            in_order([*self.new, *other.new]),
            tuple(sorted([*self.worse, *other.worse], key=lambda w: w.found.order())),
            in_order([*self.fixed, *other.fixed]),
            self.known + other.known,
        )

    @property
    def regressed(self) -> bool:
        return bool(self.new or self.worse)


def judge(report: FuzzReport, ledger: Ledger) -> Verdict:
    """Each miss of the run against the ledger's entries in its reach: the searches it checked,
    the draws of its shard, up to where it stopped."""
    heuristic = {name for name, stats in report.stats.items() if not stats.exact}
    settings = report.settings
    reach = [
        entry
        for entry in ledger.entries
        if entry.finding.search in heuristic
        and settings.in_shard(entry.index)
        and entry.index < report.drawn
    ]
    recorded = {entry.key: entry for entry in reach}
    new, worse, known = [], [], 0
    for found in report.misses:
        before = recorded.pop(found.key, None)
        if before is None:
            new.append(found)
        elif _pct(found) > _pct(before):
            worse.append(Worse(found, _pct(before)))
        else:
            known += 1
    return Verdict(in_order(new), tuple(worse), in_order(recorded.values()), known)


def _pct(found: Found) -> float:
    assert isinstance(found.finding, Miss)
    return found.finding.miss_pct


def with_shrunk(verdict: Verdict, shrunk: dict[tuple, Found]) -> Verdict:
    """The verdict with its new and worse misses replaced by their shrunk versions."""
    return replace(
        verdict,
        new=tuple(shrunk.get(f.key, f) for f in verdict.new),
        worse=tuple(replace(w, found=shrunk.get(w.found.key, w.found)) for w in verdict.worse),
    )


def merge_verdicts(verdicts: Sequence[Verdict]) -> Verdict:
    total = Verdict()
    for verdict in verdicts:
        total = total.merged(verdict)
    return total
