"""``searchbench run``: every scenario's gates outside pytest, with a table per scenario, the
averages, and exit status 1 if any expectation fails or any search failed to run.

Progress (a line per scenario) and the closing counts go to stderr, so that ``--format json``
on stdout stays one document."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.cli.flags import (
    Formatter,
    add_msmodeling_flag,
    add_time_flags,
    time_settings,
    use_msmodeling,
)
from harness.errors import SearchbenchError
from harness.gates import BaselineStore, Check, GateContext, flush, judge_all
from harness.reporting import (
    ResultRow,
    averages,
    projected_totals,
    scenario_rows,
    scenario_table,
    table,
)
from harness.reporting.formats import Output, add_format_flag, render_output
from harness.reporting.hardware import cross_hardware, cross_hardware_text
from harness.reporting.render import est_s_note
from harness.reporting.run_report import run_report
from harness.seconds import CALIBRATION, TimeSettings

if TYPE_CHECKING:
    from harness.scenarios import CollectedScenario, ScenarioRun

OFFERED_FORMATS = ("table", "markdown", "json", "csv")
SUMMARY_HEADERS = ("scenario", "passed", "failed", "probes", "msmodeling s (whole run)")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "run",
        help="run every scenario's gates outside pytest",
        description="Run every scenario's searches and gates; exit 1 if any expectation fails.",
        formatter_class=Formatter,
    )
    parser.add_argument(
        "paths", nargs="*", type=Path, help="scenario files or folders (default: the project's)"
    )
    parser.add_argument(
        "--baselines", type=Path, help="stored baselines (default: the project's baselines/search)"
    )
    add_format_flag(parser, OFFERED_FORMATS)
    add_time_flags(parser)
    parser.add_argument(
        "--plots", type=Path, metavar="DIR", help="write a PNG per scenario and strategy"
    )
    add_msmodeling_flag(parser)
    parser.set_defaults(handler=command)


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario's share of a run: its rows, its checks, its line of the summary and its
    table."""

    rows: tuple[ResultRow, ...]
    checks: tuple[Check, ...]
    summary: tuple[object, ...]
    section: str
    failed_search_runs: int = 0
    seconds: tuple[tuple[str, float], ...] = ()
    """(search, projected whole-run msmodeling seconds) for each compared search."""

    @classmethod
    def of(cls, run: ScenarioRun, checks: list[Check], time: TimeSettings) -> ScenarioResult:
        scenario = run.scenario
        rows = tuple(scenario_rows(run, time))
        compared = scenario.searches.compared
        failed = sum(not c.passed for c in checks)
        totals = {name: sum(r.probes for r in rows if r.search == name) for name in compared}
        probes = " / ".join(f"{name} {count}" for name, count in totals.items())
        seconds = projected_totals(run.outcomes, time)
        shown = " / ".join(f"{name} {seconds[name]:g}" for name in compared if name in seconds)
        heading = f"## {scenario.id}: {scenario.description}"
        section = f"{heading}\n{scenario_table(rows, compared, declared_misses(run))}"
        hardware = cross_hardware(run.outcomes, scenario.searches.baseline.name, time)
        if hardware:
            section += "\n\n" + cross_hardware_text(hardware, scenario.searches.baseline.name)
        return cls(
            rows,
            tuple(checks),
            (scenario.id, len(checks) - failed, failed, probes, shown),
            section,
            sum(o.result.failure is not None for o in run.outcomes),
            tuple((name, seconds[name]) for name in compared if name in seconds),
        )


@dataclass(frozen=True)
class Report:
    """What a run collected; the format registry renders it."""

    results: tuple[ScenarioResult, ...]
    problems: tuple[str, ...]
    scenario_ids: frozenset[str]
    time: TimeSettings = CALIBRATION

    @property
    def rows(self) -> tuple[ResultRow, ...]:
        return tuple(row for result in self.results for row in result.rows)

    @property
    def totals(self) -> list[dict[str, object]]:
        """Per scenario and search, a whole msmodeling run's projected seconds."""
        return [
            {"scenario": r.summary[0], "search": name, "projected_msmodeling_s": seconds}
            for r in self.results
            for name, seconds in r.seconds
        ]

    @property
    def checks(self) -> tuple[Check, ...]:
        return tuple(check for result in self.results for check in result.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    @property
    def failed_search_runs(self) -> int:
        return sum(result.failed_search_runs for result in self.results)

    def closing_line(self) -> str:
        """What was checked, in counts: a run that checked nothing cannot pass unseen."""
        checks, failed = len(self.checks), len(self.failures)
        line = (
            f"searchbench run: {len(self.scenario_ids)} scenarios, {checks} items: "
            f"{checks - failed} passed, {failed} failed"
        )
        extras = [
            f"{count} {what}"
            for count, what in (
                (self.failed_search_runs, "search runs failed"),
                (len(self.problems), "scenarios not run"),
            )
            if count
        ]
        if not checks:
            extras.append("nothing was checked, so nothing passed")
        return line + ("; " + ", ".join(extras) if extras else "")

    def output(self) -> Output:
        return Output(
            text=self.text,
            payload=lambda: run_report(self.rows, self.checks, self.totals),
            rows=lambda: self.rows,
        )

    def text(self) -> str:
        parts: list[str] = [est_s_note(self.time), ""]
        for result in self.results:
            parts += [result.section, ""]
        parts.append(table([result.summary for result in self.results], SUMMARY_HEADERS))
        if self.rows:
            parts += ["", averages(self.rows, self.totals)]
        for check in self.failures:
            parts += ["", f"FAILED {check.scenario}::{check.name}: {check.render()}"]
        return "\n".join(parts)


Progress = Callable[[str], None]


def declared_misses(run: ScenarioRun) -> dict[tuple[str, str], str]:
    """The declared misses that happened: a candidate's answer differing from the baseline's
    where the scenario says it will."""
    expect, plan = run.scenario.expect, run.scenario.searches
    out = {}
    for key in run.keys:
        baseline = run.result(key, plan.baseline.name).batch_size
        for candidate in plan.candidates:
            miss = expect.known_miss(candidate.name, key)
            if miss is not None and run.result(key, candidate.name).batch_size != baseline:
                out[key, candidate.name] = miss.reason
    return out


def run_collected(
    collected: Sequence[CollectedScenario],
    context: GateContext,
    args: argparse.Namespace,
    progress: Progress | None = None,
) -> Report:
    """Run and judge each loaded scenario; a refused file, or one whose run fails, is a
    problem of its own and the others still run. ``progress`` hears a line per scenario."""
    from harness.scenarios import run_scenario

    results: list[ScenarioResult] = []
    problems: list[str] = []
    ids: set[str] = set()
    say = progress or (lambda line: None)
    for index, item in enumerate(collected, start=1):
        ids.add(item.file.id)
        step = f"[{index}/{len(collected)}] {item.file.id}"
        if item.scenario is None:
            problems.append(f"invalid scenario: {item.error}")
            say(f"{step}: not run (invalid scenario)")
            continue
        try:
            run = run_scenario(item.scenario)
            checks = judge_all(run, context)
        except SearchbenchError as error:
            problems.append(f"invalid scenario: {error}")
            say(f"{step}: not run (invalid scenario)")
            continue
        if args.plots is not None:
            _plot(run, args.plots)
        result = ScenarioResult.of(run, checks, time_settings(args))
        results.append(result)
        say(f"{step}: {_progress_counts(result)}")
    return Report(tuple(results), tuple(problems), frozenset(ids), time_settings(args))


def _progress_counts(result: ScenarioResult) -> str:
    failed = sum(not check.passed for check in result.checks)
    line = f"{len(result.checks)} items, {len(result.checks) - failed} passed, {failed} failed"
    if result.failed_search_runs:
        line += f", {result.failed_search_runs} search runs failed"
    return line


def _plot(run: ScenarioRun, folder: Path) -> None:
    from harness.reporting.plot import plot_file_name, plot_strategy

    for key in run.keys:
        plot_strategy(run, key, folder / plot_file_name(run.scenario.id, key))


def command(args: argparse.Namespace) -> int:
    from harness.scenarios import collect_scenarios, find_layout

    use_msmodeling(args)
    layout = find_layout()
    store = BaselineStore(args.baselines or layout.baselines)
    collected = list(collect_scenarios(args.paths or [layout.scenarios], layout.scenarios))
    report = run_collected(collected, GateContext(store), args, _to_stderr)
    unwritten = flush(write for check in report.checks for write in check.writes)
    sys.stdout.write(render_output(args.format, report.output()))
    for check in report.failures:
        print(f"FAILED {check.scenario}::{check.name}: {check.summary}", file=sys.stderr)
    if not args.paths:
        for line in store.orphan_lines(set(report.scenario_ids), layout.scenarios):
            print(f"baseline without a scenario: {line}", file=sys.stderr)
    for problem in (*report.problems, *unwritten):
        print(problem, file=sys.stderr)
    print(report.closing_line(), file=sys.stderr)
    failed = report.failures or report.failed_search_runs or report.problems or unwritten
    return 1 if failed or not report.checks else 0


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
