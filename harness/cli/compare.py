"""``searchbench compare OLD NEW``: what a branch changed against main, from two run reports."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.cli.flags import Formatter
from harness.reporting import to_json
from harness.reporting.compare import compare, load_report, render


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "compare",
        help="compare two run reports: answers, probes and projected time",
        description="Compare two `searchbench run --format json` reports (e.g. main's and a "
        "branch's). Exit 1 when an answer leaves its scenario's tolerance or probes rise.",
        formatter_class=Formatter,
    )
    parser.add_argument("old", type=Path, help="the reference report (main)")
    parser.add_argument("new", type=Path, help="the report under test (the branch)")
    parser.add_argument(
        "--all", action="store_true", help="list unchanged rows too, not only changes"
    )
    parser.add_argument(
        "--format", choices=("table", "markdown", "json"), default="table", help="output format"
    )
    parser.set_defaults(handler=command)


def command(args: argparse.Namespace) -> int:
    comparison = compare(load_report(args.old), load_report(args.new))
    failures = comparison.failures
    if args.format == "json":
        frame = comparison.frame.drop(columns=["_merge"]).astype(object)
        records = frame.where(frame.notna(), None).to_dict("records")
        print(to_json({"rows": records, "failures": len(failures)}))
    else:
        print(render(comparison, changed_only=not args.all))
        print()
        total = len(comparison.frame)
        print(f"{len(failures)} of {total} rows fail (an answer out of tolerance, or more probes)")
    return 1 if len(failures) else 0
