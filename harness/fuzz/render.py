"""A fuzz run as the terminal and the job summary read it: what was drawn, the probes per search,
the heuristic searches' miss rates against the ledger's, and the table of new and worse misses."""

from __future__ import annotations

from harness.fuzz.check import Miss
from harness.fuzz.document import FuzzRun
from harness.fuzz.report import Found, FuzzReport, where
from harness.reporting import table

STATS_HEADERS = (
    "search",
    "claims",
    "strategies",
    "mean probes",
    "median",
    "p95",
    "max",
    "equals oracle (monotone)",
)
MISS_HEADERS = ("", "draw", "search", "strategy", "answer", "oracle", "miss %", "ledger %")


def render(run: FuzzRun) -> str:
    report = run.report
    parts = [_heading(report), _stats(report)]
    parts += [
        f"worst for {name}: {s.worst.probes} probes at {s.worst.where}"
        for name, s in report.stats.items()
        if s.worst is not None
    ]
    rates = _rates(run)
    if rates:
        parts.append(rates)
    parts.append(_ledger_line(run))
    misses = _misses(run)
    if misses:
        parts.append(misses)
    return "\n".join(parts)


def _heading(report: FuzzReport) -> str:
    settings = report.settings
    shard, shards = settings.shard
    of = f" (shard {shard}/{shards})" if shards > 1 else ""
    refused = f"; {report.refused} refused by the simulator" if report.refused else ""
    line = (
        f"{report.drawn} of {settings.examples} deployments drawn with seed {settings.seed}, "
        f"{report.checked} checked{of}{refused}"
    )
    stop = report.stop
    if stop is not None and stop.reason == "first failure":
        line += (
            f"\nstopped at the first failure (draw {stop.drawn - 1}): the counts cover the "
            f"draws up to it; --keep-going checks all {settings.examples}"
        )
    elif stop is not None:
        line += f"\n{stop}: the counts cover those draws"
    return line


def _stats(report: FuzzReport) -> str:
    body = []
    for name, stats in report.stats.items():
        row = stats.summary()
        body.append(
            [
                name,
                "exact" if stats.exact else "tolerance",
                row["strategies"],
                f"{row['mean']:.2f}",
                row["median"],
                row["p95"],
                row["max"],
                row["equals_oracle_where_monotone"],
            ]
        )
    return table(body, STATS_HEADERS)


def _rates(run: FuzzRun) -> str:
    """Per heuristic search: this run's miss rate and worst miss, and the ledger's."""
    body = []
    for name, stats in run.report.stats.items():
        if stats.exact:
            continue
        pcts = [f.finding.miss_pct for f in run.report.misses if f.finding.search == name]
        recorded = run.ledger.searches.get(name, {})
        body.append(
            [
                name,
                _rate(len(pcts), stats.monotone),
                _pct(max(pcts, default=None)),
                _rate(recorded.get("misses", 0), recorded.get("checked", 0)),
                _pct(recorded.get("worst_pct")),
            ]
        )
    if not body:
        return ""
    headers = ("heuristic search", "misses", "worst miss", "ledger: misses", "ledger: worst")
    return table(body, headers)


def _rate(misses: int, checked: int) -> str:
    share = f" ({100 * misses / checked:.2f}%)" if checked else ""
    return f"{misses} of {checked}{share}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:g}%"


def _ledger_line(run: FuzzRun) -> str:
    verdict, path = run.verdict, run.ledger.path
    state = "" if run.ledger.exists else " (none yet)"
    line = (
        f"ledger {path}{state}: {verdict.known} known, {len(verdict.new)} new, "
        f"{len(verdict.worse)} worse, {len(verdict.fixed)} fixed"
    )
    if verdict.fixed:
        line += f"\nfixed: {len(verdict.fixed)}; run `--update-baselines` to record"
    if verdict.new and not run.ledger.exists:
        line += "\nno ledger yet: `--update-baselines` records these misses as known"
    return line


def _misses(run: FuzzRun) -> str:
    rows = [_row("new", found, None) for found in run.verdict.new]
    rows += [_row("worse", w.found, w.recorded_pct) for w in run.verdict.worse]
    if not rows:
        return ""
    lines = [table(rows, MISS_HEADERS)]
    for found in (*run.verdict.new, *(w.found for w in run.verdict.worse)):
        lines += [f"draw {found.index}: {found.where}", *_shrunk(found)]
    lines.append("--save DIR writes each one, shrunk, as a scenario")
    return "\n".join(lines)


def _shrunk(found: Found) -> list[str]:
    shrunk = found.shrunk
    if shrunk is None:
        return []
    if shrunk.deployment == found.deployment:
        return ["  shrunk: nothing simpler fails the same way"]
    return [f"  shrunk: {shrunk.finding}: {where(shrunk.deployment)}"]


def _row(kind: str, found: Found, recorded: float | None) -> list[object]:
    miss = found.finding
    assert isinstance(miss, Miss)
    return [
        kind,
        found.index,
        miss.search,
        miss.strategy,
        "-" if miss.answer is None else miss.answer,
        miss.oracle,
        f"{miss.miss_pct:g}",
        "" if recorded is None else f"{recorded:g}",
    ]


def failures(run: FuzzRun) -> list[str]:
    """The strict failures, one line each (the first with its shrunk deployment)."""
    lines = []
    for found in run.report.failures:
        lines += [f"FAILED {found.finding}: draw {found.index}: {found.where}", *_shrunk(found)]
    return lines
