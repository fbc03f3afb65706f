"""The fuzz as a gate: run it, judge its misses against the ledger, shrink what fails, and merge
shards. The command line and the pytest item both go through ``run_gate`` and ``merge_runs``, so
they give the same verdicts.
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from harness.fuzz import ledger as ledgers
from harness.fuzz.document import FuzzRun, LedgerSummary
from harness.fuzz.report import Found, FuzzReport, MergeError, Stop, merge_reports
from harness.fuzz.run import RECEIVED, Interrupted, Progress, fuzz
from harness.fuzz.settings import LEDGER_FOLDER, FuzzSettings
from harness.fuzz.shrink import shrink
from harness.fuzz.verdict import judge, merge_verdicts, with_shrunk
from harness.scenarios import find_layout


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM stop a fuzz with a summary of what ran, not silently. Each is recorded
    before it is raised, so one that Python drops (raised inside a gc callback) still stops the
    run at its next draw."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        RECEIVED.append(signal.Signals(signum).name)
        raise Interrupted(RECEIVED[-1])

    previous = {name: signal.signal(name, stop) for name in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(name, handler)
        RECEIVED.clear()


def ledger_path(settings: FuzzSettings, start: Path | None = None) -> Path:
    """``baselines/fuzz/<name>.json`` under the project's root."""
    return find_layout(start).root / LEDGER_FOLDER / f"{settings.ledger_name}.json"


def load_ledger(settings: FuzzSettings, path: Path, update: bool) -> ledgers.Ledger:
    """The ledger to judge against; with ``update``, an unusable one is replaced, not fatal."""
    try:
        return ledgers.load(path, settings.seed, settings.examples, settings.tolerance)
    except ledgers.LedgerError:
        if not update:
            raise
        return ledgers.Ledger(
            path, settings.seed, settings.examples, settings.tolerance, exists=False
        )


def run_gate(
    settings: FuzzSettings, ledger: ledgers.Ledger, progress: Progress | None = None
) -> FuzzRun:
    """Run the fuzz, judge it against ``ledger``, and shrink the new and worse misses (and the
    first failure, when the run stopped at it). Returns what ran, also when interrupted."""
    report = fuzz(settings, progress)
    verdict = judge(report, ledger)
    if report.stop is None or report.stop.reason != "interrupted":
        try:
            report, verdict = _shrunk(report, verdict)
        except KeyboardInterrupt as interrupt:
            signal_name = getattr(interrupt, "signal_name", None)
            report = replace(report, stop=Stop("interrupted", report.drawn, signal_name))
    return FuzzRun(report, verdict, LedgerSummary.of(ledger))


def _shrunk(report: FuzzReport, verdict):
    settings = report.settings
    found = {f.key: shrink(f, settings) for f in (*verdict.new, *(w.found for w in verdict.worse))}
    verdict = with_shrunk(verdict, found)
    misses = tuple(found.get(f.key, f) for f in report.misses)
    failures = report.failures
    if report.stop is not None and report.stop.reason == "first failure":
        failures = (shrink(failures[0], settings), *failures[1:])
    return replace(report, misses=misses, failures=failures), verdict


def merge_runs(runs: Sequence[FuzzRun]) -> FuzzRun:
    """Shards of one draw as the serial run: its table, its verdict, its JSON byte for byte."""
    if not runs:
        raise MergeError("merge: name the shards' JSON outputs")
    summaries = {json.dumps(vars(run.ledger), sort_keys=True) for run in runs}
    if len(summaries) > 1:
        raise MergeError("the shards were judged against different ledgers")
    report = merge_reports([run.report for run in runs])
    return FuzzRun(report, merge_verdicts([run.verdict for run in runs]), runs[0].ledger)


def updated_ledger(run: FuzzRun, ledger: ledgers.Ledger) -> ledgers.Ledger:
    """The ledger to write after a complete run (shards: after their merge)."""
    report = run.report
    if not report.complete:
        raise ledgers.LedgerError(f"{run.ledger.path}: not updated: the run was {report.stop}")
    if report.settings.sharded:
        raise ledgers.LedgerError(
            f"{run.ledger.path}: not updated from one shard; merge the shards with "
            "`searchbench fuzz merge FILES --update-baselines`"
        )
    return ledgers.updated(ledger, report)


def misses_to_save(run: FuzzRun) -> list[Found]:
    """What ``--save`` writes: the first failure (shrunk when the run stopped at it), then each
    new and worse miss, shrunk."""
    first = list(run.report.failures[:1])
    return [*first, *run.verdict.new, *(w.found for w in run.verdict.worse)]
