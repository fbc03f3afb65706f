"""``searchbench compare OLD NEW``: what a branch changed against main, from two run reports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from harness.cli.flags import Formatter
from harness.reporting.formats import Output, add_format_flag, render_output

if TYPE_CHECKING:
    from harness.reporting.compare import Comparison

OFFERED_FORMATS = ("table", "markdown", "json")


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
    add_format_flag(parser, OFFERED_FORMATS)
    parser.set_defaults(handler=command)


def output(comparison: Comparison, changed_only: bool) -> Output:
    from harness.reporting.compare import render

    def text() -> str:
        lines = [render(comparison, changed_only=changed_only), "", comparison.summary()]
        seconds = comparison.seconds_line()
        return "\n".join(lines + ([seconds] if seconds else []))

    return Output(text=text, payload=comparison.payload)


def command(args: argparse.Namespace) -> int:
    from harness.reporting.compare import compare, load_report  # pandas, only when comparing

    comparison = compare(load_report(args.old), load_report(args.new))
    sys.stdout.write(render_output(args.format, output(comparison, changed_only=not args.all)))
    return 1 if len(comparison.failures) else 0
