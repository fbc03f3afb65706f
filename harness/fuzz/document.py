"""A fuzz run as JSON (``fuzz --format json``) and back, so that shards merge.

The document holds everything the table and the verdict are made of: the per-search probe
histograms, every finding at its draw index, the verdict against the ledger (new and worse misses
with their shrunk deployments, the fixed ones) and the ledger's own rates. ``searchbench fuzz
merge`` reads the shards' documents, merges them, and writes the document the serial run writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from harness.errors import SearchbenchError
from harness.fuzz.check import Miss, Violation
from harness.fuzz.ledger import Ledger, entry
from harness.fuzz.report import Found, FuzzReport, SearchStats, Shrunk, Stop, Worst
from harness.fuzz.settings import FuzzSettings
from harness.fuzz.verdict import Verdict, Worse
from harness.scenarios.paths import display_path

FORMAT = "searchbench-fuzz"
VERSION = 1


class DocumentError(SearchbenchError):
    """A file that is not a fuzz run's JSON output."""


@dataclass(frozen=True)
class LedgerSummary:
    """The ledger's own miss rate and worst miss per search, for the summary's comparison."""

    path: str
    exists: bool
    searches: Mapping[str, dict[str, object]] = field(default_factory=dict)

    @classmethod
    def of(cls, ledger: Ledger) -> LedgerSummary:
        searches = {}
        for name in sorted({*ledger.checked, *(e.finding.search for e in ledger.entries)}):
            pcts = [e.finding.miss_pct for e in ledger.of(name)]
            searches[name] = {
                "misses": len(pcts),
                "checked": ledger.checked.get(name, 0),
                "worst_pct": max(pcts, default=None),
            }
        return cls(display_path(ledger.path), ledger.exists, searches)


@dataclass(frozen=True)
class FuzzRun:
    report: FuzzReport
    verdict: Verdict
    ledger: LedgerSummary

    @property
    def passed(self) -> bool:
        return self.report.passed and self.report.complete and not self.verdict.regressed


def to_document(run: FuzzRun) -> dict[str, object]:
    report, settings, verdict = run.report, run.report.settings, run.verdict
    shard, shards = settings.shard
    stop = report.stop
    return {
        "format": FORMAT,
        "version": VERSION,
        "seed": settings.seed,
        "examples": settings.examples,
        "shard": f"{shard}/{shards}",
        "baseline": settings.baseline,
        "candidates": list(settings.candidates),
        "oracle": settings.oracle,
        "tolerance": settings.tolerance,
        "drawn": report.drawn,
        "checked": report.checked,
        "refused": report.refused,
        "stopped": None if stop is None else vars(stop),
        "passed": run.passed,
        "searches": [_stats(name, stats) for name, stats in report.stats.items()],
        "misses": [encode(found) for found in report.misses],
        "failures": [encode(found) for found in report.failures],
        "ledger": {
            "path": run.ledger.path,
            "exists": run.ledger.exists,
            "searches": dict(run.ledger.searches),
        },
        "verdict": {
            "new": [encode(found) for found in verdict.new],
            "worse": [
                {**encode(w.found), "ledger_miss_pct": w.recorded_pct} for w in verdict.worse
            ],
            "fixed": [encode(found) for found in verdict.fixed],
            "known": verdict.known,
        },
    }


def _stats(name: str, stats: SearchStats) -> dict[str, object]:
    worst = stats.worst
    return {
        "search": name,
        "exact": stats.exact,
        **stats.summary(),
        "histogram": [[probes, n] for probes, n in sorted(stats.probes.items())],
        "monotone": stats.monotone,
        "equal": stats.equal,
        "worst_at": None if worst is None else [worst.probes, worst.index, worst.position],
    }


def encode(found: Found) -> dict[str, object]:
    finding = found.finding
    if isinstance(finding, Miss):
        out = entry(found)
    else:
        out = {
            "index": found.index,
            "deployment": dict(found.deployment),
            "strategy": finding.strategy,
            "search": finding.search,
            "property": finding.prop,
            "detail": finding.detail,
        }
    if found.shrunk is not None:
        shrunk = Found(found.index, found.shrunk.deployment, found.shrunk.finding)
        out["shrunk"] = {k: v for k, v in encode(shrunk).items() if k != "index"}
    return out


def decode(item: Mapping[str, object], index: int | None = None) -> Found:
    index = item["index"] if index is None else index
    if "property" in item:
        finding: Violation | Miss = Violation(
            item["search"], item["strategy"], item["property"], item["detail"]
        )
    else:
        finding = Miss(item["search"], item["strategy"], item["answer"], item["oracle"])
    shrunk = None
    if item.get("shrunk") is not None:
        inner = decode(item["shrunk"], index)
        shrunk = Shrunk(inner.deployment, inner.finding)
    return Found(index, dict(item["deployment"]), finding, shrunk=shrunk)


def from_document(payload: object, name: str) -> FuzzRun:
    """A run read back from its JSON output; one line naming ``name`` when it is not one."""
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise DocumentError(f"{name}: not the JSON output of searchbench fuzz")
    if payload.get("version") != VERSION:
        raise DocumentError(
            f"{name}: fuzz output version {payload.get('version')!r}; this searchbench reads "
            f"version {VERSION}"
        )
    try:
        return _read(payload)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise DocumentError(f"{name}: malformed ({type(error).__name__}: {error})") from None


def _read(payload: dict) -> FuzzRun:
    shard, shards = (int(part) for part in payload["shard"].split("/"))
    settings = FuzzSettings(
        tuple(payload["candidates"]),
        payload["baseline"],
        payload["oracle"],
        int(payload["examples"]),
        int(payload["seed"]),
        (shard, shards),
        float(payload["tolerance"]),
    )
    stats = {}
    for row in payload["searches"]:
        at = row["worst_at"]
        worst = None if at is None else Worst(at[0], at[1], at[2], row["worst"])
        histogram = {int(p): int(n) for p, n in row["histogram"]}
        stats[row["search"]] = SearchStats(
            bool(row["exact"]), histogram, int(row["monotone"]), int(row["equal"]), worst
        )
    stopped = payload["stopped"]
    report = FuzzReport(
        settings,
        drawn=int(payload["drawn"]),
        checked=int(payload["checked"]),
        refused=int(payload["refused"]),
        stats=stats,
        misses=tuple(decode(item) for item in payload["misses"]),
        failures=tuple(decode(item) for item in payload["failures"]),
        stop=None if stopped is None else Stop(**stopped),
    )
    judged = payload["verdict"]
    worse = tuple(Worse(decode(w), float(w["ledger_miss_pct"])) for w in judged["worse"])
    verdict = Verdict(
        tuple(decode(item) for item in judged["new"]),
        worse,
        tuple(decode(item) for item in judged["fixed"]),
        int(judged["known"]),
    )
    ledger = payload["ledger"]
    summary = LedgerSummary(ledger["path"], bool(ledger["exists"]), dict(ledger["searches"]))
    return FuzzRun(report, verdict, summary)
