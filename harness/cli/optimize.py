"""``searchbench optimize``: every search on every parallel strategy, as msmodeling's optimizer
runs them, side by side."""

from __future__ import annotations

import argparse
import sys

from harness.cli.flags import (
    Formatter,
    add_format_flag,
    add_knob_flags,
    add_msmodeling_flag,
    add_search_flags,
    add_strategy_flag,
    add_time_flags,
    knob_values,
    search_runs,
    time_settings,
    use_msmodeling,
)
from harness.optimizer import optimize
from harness.optimizer.pd_ratio import describe, pairing
from harness.reporting import (
    best_rows,
    outcome_rows,
    projected_totals,
    repeat_note,
    side_by_side,
    to_csv,
    to_json,
    verdicts,
)
from harness.reporting.hardware import cross_hardware, cross_hardware_payload, cross_hardware_text
from harness.reporting.render import est_s_note
from harness.request import OptimizerRequest
from harness.request.combinations import combinations_warning


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "optimize",
        help="search every parallel strategy, msmodeling-style",
        description="Run each search on every parallel strategy (TP x EP x MoE-DP) and compare "
        "answers, probes and msmodeling's projected time.",
        formatter_class=Formatter,
    )
    add_knob_flags(parser)
    add_search_flags(parser)
    add_strategy_flag(parser)
    add_msmodeling_flag(parser)
    add_time_flags(parser)
    add_format_flag(parser)
    parser.set_defaults(handler=command)


def request_from(args: argparse.Namespace) -> OptimizerRequest:
    use_msmodeling(args)
    return OptimizerRequest(**knob_values(args), searches=search_runs(args))


OPTIMIZE_REPORT = {"format": "searchbench-optimize", "version": 1}
"""Tags optimize's JSON so that no reader takes it for a run report."""


def _progress_printer():
    if not sys.stderr.isatty():
        return None

    def show(index: int, total: int, what: str) -> None:
        end = "\n" if index == total else ""
        print(f"\r[{index}/{total}] {what:<60}", end=end, file=sys.stderr, flush=True)

    return show


def command(args: argparse.Namespace) -> int:
    request = request_from(args)
    warning = combinations_warning(request)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    outcomes = optimize(request, progress=_progress_printer(), only=args.strategy)
    time = time_settings(args)
    rows = outcome_rows(outcomes, time)
    totals = projected_totals(outcomes, time)
    names = [run.name for run in request.searches_in_run_order]
    best = best_rows(outcomes, names[0], time)
    hardware = cross_hardware(outcomes, names[0], time)
    note = repeat_note(rows)
    found = [pairing(request, outcomes, name) for name in names] if request.pd_ratio else []
    if args.format == "json":
        payload = {"rows": rows, "best": best, "projected_msmodeling_s": totals}
        if found:
            payload["pd_ratio"] = {f.search: f.summary() for f in found}
        if hardware:
            payload["cross_hardware"] = cross_hardware_payload(hardware)
        print(to_json({**OPTIMIZE_REPORT, **payload}))
    elif args.format == "csv":
        print(to_csv(rows), end="")
    else:
        _print_tables(rows, names, best, note, totals)
        for one in found:
            print(describe(one, request.num_devices))
        if hardware:
            print()
            print(cross_hardware_text(hardware, names[0]))
        print(est_s_note(time))
        return 0
    if note:
        print(note, file=sys.stderr)
    return 0


def _print_tables(rows, names: list[str], best, note: str | None, totals) -> None:
    print(side_by_side(rows, names))
    print()
    for line in verdicts(rows, names, totals):
        print(line)
    if note:
        print(note)
    for phase, row in best.items():
        if row is None:
            print(f"best ({phase}, {names[0]}): no feasible batch on any parallel strategy")
            continue
        print(
            f"best ({phase}, {names[0]}): {row.strategy} ({row.label}) batch {row.batch_size} "
            f"concurrency {row.concurrency} {row.tokens_per_s:.2f} tok/s "
            f"({row.tokens_per_s_per_device:.2f} per device)"
        )
