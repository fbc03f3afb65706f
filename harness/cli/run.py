"""``searchbench run``: every scenario's gates outside pytest, with a table per scenario, the
averages, and exit status 1 if any expectation fails."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from harness.cli.flags import (
    Formatter,
    add_format_flag,
    add_msmodeling_flag,
    seconds_per_probe,
    use_msmodeling,
)
from harness.errors import SearchbenchError
from harness.gates import BaselineStore, Check, GateContext, flush, judge_all
from harness.optimizer import MSMODELING_SECONDS_PER_PROBE
from harness.reporting import (
    ResultRow,
    averages,
    scenario_rows,
    scenario_table,
    table,
    to_csv,
    to_json,
)
from harness.scenarios import CollectedScenario, collect_scenarios, find_layout, run_scenario


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
    add_format_flag(parser)
    parser.add_argument(
        "--per-probe-seconds",
        type=seconds_per_probe,
        default=MSMODELING_SECONDS_PER_PROBE,
        help="msmodeling's cost of one probe, for the projected time column",
    )
    parser.add_argument(
        "--plots", type=Path, metavar="DIR", help="write a PNG per scenario and strategy"
    )
    add_msmodeling_flag(parser)
    parser.set_defaults(handler=command)


@dataclass
class Report:
    """What a run collects; rendering it is the formats' business."""

    rows: list[ResultRow] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    summary: list[tuple[object, ...]] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    scenario_ids: set[str] = field(default_factory=set)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]


def run_collected(
    collected: Iterable[CollectedScenario], store: BaselineStore, args: argparse.Namespace
) -> Report:
    """Run and judge each loaded scenario; a refused file, or one whose run fails, is a
    problem of its own and the others still run."""
    report = Report()
    for item in collected:
        report.scenario_ids.add(item.file.id)
        if item.scenario is None:
            report.problems.append(f"invalid scenario: {item.error}")
            continue
        scenario = item.scenario
        try:
            run = run_scenario(scenario)
            checks = judge_all(run, GateContext(store))
        except SearchbenchError as error:
            report.problems.append(f"invalid scenario: {error}")
            continue
        rows = scenario_rows(run, args.per_probe_seconds)
        if args.plots is not None:
            _plot(run, args.plots)
        report.rows += rows
        report.checks += checks
        compared = scenario.searches.compared
        failed = sum(not c.passed for c in checks)
        totals = {name: sum(r.probes for r in rows if r.search == name) for name in compared}
        probes = " / ".join(f"{name} {count}" for name, count in totals.items())
        report.summary.append((scenario.id, len(checks) - failed, failed, probes))
        heading = f"## {scenario.id}: {scenario.description}"
        report.sections.append(f"{heading}\n{scenario_table(rows, compared)}")
    return report


def _plot(run, folder: Path) -> None:
    from harness.reporting.plot import plot_file_name, plot_strategy

    for key in run.keys:
        plot_strategy(run, key, folder / plot_file_name(run.scenario.id, key))


def command(args: argparse.Namespace) -> int:
    use_msmodeling(args)
    layout = find_layout()
    store = BaselineStore(args.baselines or layout.baselines)
    collected = collect_scenarios(args.paths or [layout.scenarios], layout.scenarios)
    report = run_collected(collected, store, args)
    unwritten = flush(write for check in report.checks for write in check.writes)
    if args.format == "json":
        checks = [_check_dict(c) for c in report.checks]
        print(to_json({"rows": report.rows, "checks": checks}))
    elif args.format == "csv":
        print(to_csv(report.rows), end="")
    else:
        _print_tables(report)
    for check in report.failures:
        print(f"FAILED {check.scenario}::{check.name}: {check.summary}", file=sys.stderr)
    if not args.paths:
        for path in store.orphans(report.scenario_ids):
            print(f"baseline without a scenario: {path}", file=sys.stderr)
    for problem in (*report.problems, *unwritten):
        print(problem, file=sys.stderr)
    return 1 if report.failures or report.problems or unwritten else 0


def _print_tables(report: Report) -> None:
    for section in report.sections:
        print(section)
        print()
    headers = ("scenario", "passed", "failed", "probes")
    print(table(report.summary, headers))
    if report.rows:
        print()
        print(averages(report.rows))
    for check in report.failures:
        print()
        print(f"FAILED {check.scenario}::{check.name}: {check.render()}")


def _check_dict(check: Check) -> dict[str, object]:
    return {
        "scenario": check.scenario,
        "item": check.name,
        "passed": check.passed,
        "message": check.render(),
    }
