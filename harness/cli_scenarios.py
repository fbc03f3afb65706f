"""Scenario subcommands: run the checks outside pytest, validate files, write a template."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tabulate import tabulate

from harness.baselines import BaselineError, orphans
from harness.checks import ScenarioRun, all_checks, run_scenario
from harness.optimizer import MSMODELING_SECONDS_PER_PROBE
from harness.report import to_csv, to_json
from harness.scenario import ScenarioError, discover, load_scenario
from harness.scenario_schema import template

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_scenario_dir() -> Path:
    local = Path.cwd() / "scenarios"
    return Path("scenarios") if local.is_dir() else PROJECT_ROOT / "scenarios"


def add_commands(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser("run", help="run every scenario's checks outside pytest")
    run.add_argument("paths", nargs="*", type=Path, help="scenario files or folders")
    run.add_argument("--baselines", type=Path, help="stored baselines (default baselines/search)")
    run.add_argument("--format", choices=("table", "json", "csv"), default="table")
    run.add_argument("--per-probe-seconds", type=float, default=MSMODELING_SECONDS_PER_PROBE)
    run.add_argument(
        "--plots",
        type=Path,
        metavar="DIR",
        help="write a PNG per scenario and strategy (needs searchbench[plot])",
    )
    run.set_defaults(handler=cmd_run)

    plot = commands.add_parser("plot", help="draw a scenario's curves and every search's probes")
    plot.add_argument("scenario", type=Path)
    plot.add_argument("--parallel", help="strategy key, e.g. TP=8 (default: the first)")
    plot.add_argument("-o", "--output", type=Path, required=True)
    plot.set_defaults(handler=cmd_plot)

    validate = commands.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("paths", nargs="*", type=Path)
    validate.set_defaults(handler=cmd_validate)

    new = commands.add_parser("new-scenario", help="write a commented scenario template")
    new.add_argument("output", nargs="?", type=Path, help="file to write (default: stdout)")
    new.set_defaults(handler=cmd_new_scenario)


def _paths(args: argparse.Namespace) -> list[Path]:
    return discover(args.paths or [default_scenario_dir()])


def cmd_plot(args: argparse.Namespace) -> int:
    from harness.plot import plot_strategy

    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as error:
        print(f"searchbench: error: {error}", file=sys.stderr)
        return 2
    run = run_scenario(scenario)
    key = args.parallel or run.keys[0]
    print(f"wrote {plot_strategy(run, key, args.output)}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    bad = 0
    files = _paths(args)
    for path in files:
        try:
            load_scenario(path)
            print(f"ok      {path}")
        except ScenarioError as error:
            bad += 1
            print(f"invalid {error}")
    print(f"{len(files) - bad} valid, {bad} invalid")
    return 1 if bad else 0


def cmd_new_scenario(args: argparse.Namespace) -> int:
    if args.output is None:
        print(template(), end="")
        return 0
    if args.output.exists():
        print(f"searchbench: error: {args.output} exists; not overwriting", file=sys.stderr)
        return 2
    args.output.write_text(template())
    print(f"wrote {args.output}")
    return 0


def scenario_rows(run: ScenarioRun, seconds_per_probe: float) -> list[dict[str, object]]:
    """One row per scenario, strategy and search, with the oracle's answer beside it."""
    plan = run.scenario.searches
    rows = []
    for outcome in run.outcomes:
        if outcome.result.search == plan.oracle.name:
            continue
        oracle = run.result(outcome.key, plan.oracle.name)
        rows.append(
            {
                "scenario": run.scenario.id,
                "parallel": outcome.key,
                "tp": outcome.parallel.tp,
                "ep": outcome.parallel.ep,
                "dp": outcome.parallel.dp,
                "phase": outcome.phase,
                "strategy": outcome.result.search,
                "batch_size": outcome.result.batch_size,
                "probes": outcome.result.probes,
                "oracle_batch_size": oracle.batch_size,
                "projected_msmodeling_s": round(outcome.result.probes * seconds_per_probe, 2),
                "early_stop": outcome.result.early_stop,
            }
        )
    return rows


def seed_table(run: ScenarioRun, seconds_per_probe: float) -> str:
    """The seed's table: per strategy, baseline and candidate batch, probes, projected time."""
    plan = run.scenario.searches
    names = [plan.baseline.name, *(c.name for c in plan.candidates)]
    table = []
    for key in run.keys:
        line: list[object] = [key, run.result(key, plan.oracle.name).batch_size or "none"]
        for name in names:
            result = run.result(key, name)
            line += [
                result.batch_size if result.batch_size is not None else "none",
                result.probes,
                f"{result.probes * seconds_per_probe:.1f}",
            ]
        table.append(line)
    headers = ["strategy", "oracle"]
    for name in names:
        headers += [f"{name}", "probes", "est. s"]
    return tabulate(table, headers=headers, tablefmt="github")


def cmd_run(args: argparse.Namespace) -> int:
    files = _paths(args)
    baseline_dir = args.baselines or (
        (Path.cwd() if (Path.cwd() / "baselines").is_dir() else PROJECT_ROOT)
        / "baselines"
        / "search"
    )
    rows, summary, failures, problems = [], [], [], []
    for path in files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            problems.append(f"invalid scenario: {error}")
            continue
        run = run_scenario(scenario)
        try:
            checks = all_checks(run, baseline_dir)
        except BaselineError as error:
            problems.append(str(error))
            continue
        rows += scenario_rows(run, args.per_probe_seconds)
        if args.plots is not None:
            from harness.plot import plot_file_name, plot_strategy

            for key in run.keys:
                plot_strategy(run, key, args.plots / plot_file_name(scenario.id, key))
        failed = [c for c in checks if not c.passed]
        failures += failed
        plan = scenario.searches
        totals = {
            name: sum(
                r["probes"] for r in rows if r["scenario"] == scenario.id and r["strategy"] == name
            )
            for name in [plan.baseline.name, *(c.name for c in plan.candidates)]
        }
        summary.append(
            (
                scenario.id,
                len(checks) - len(failed),
                len(failed),
                " / ".join(f"{n} {p}" for n, p in totals.items()),
            )
        )
        if args.format == "table":
            print(f"## {scenario.id}: {scenario.description}")
            print(seed_table(run, args.per_probe_seconds))
            print()
    if args.format == "json":
        print(to_json(rows))
    elif args.format == "csv":
        print(to_csv(rows), end="")
    else:
        print(
            tabulate(summary, headers=("scenario", "passed", "failed", "probes"), tablefmt="github")
        )
        _print_averages(rows)
        for check in failures:
            print()
            print(f"FAILED {check.name}: {check.render()}")
    ids = {p.stem for p in files}
    stale = orphans(baseline_dir, ids) if not args.paths else []
    for path in stale:
        print(f"baseline without a scenario: {path}", file=sys.stderr)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if failures or problems else 0


def _print_averages(rows: list[dict[str, object]]) -> None:
    by_search: dict[str, list[int]] = {}
    exact: dict[str, int] = {}
    for row in rows:
        by_search.setdefault(row["strategy"], []).append(row["probes"])
        exact[row["strategy"]] = exact.get(row["strategy"], 0) + (
            row["batch_size"] == row["oracle_batch_size"]
        )
    if not by_search:
        return
    print()
    print(
        tabulate(
            [
                (name, len(p), f"{sum(p) / len(p):.2f}", f"{exact[name]}/{len(p)}")
                for name, p in by_search.items()
            ],
            headers=("search", "strategies", "mean probes", "equals oracle"),
            tablefmt="github",
        )
    )
