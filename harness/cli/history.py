"""``searchbench history``: record a run report per commit, draw the dashboard, name the commit
that changed a metric, and write the pull request's comment."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.cli.flags import Formatter
from harness.history.metrics import METRICS
from harness.reporting.formats import Output, add_format_flag, render_output

DEFAULT_HISTORY = Path("history")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "history",
        help="run reports over commits: record, dashboard, bisect, PR comment",
        description="One run report per commit in a history folder, and what it shows.",
        formatter_class=Formatter,
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    for add in (_add_record, _add_html, _add_bisect, _add_comment):
        add(actions)


def _history_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--history", type=Path, default=DEFAULT_HISTORY, metavar="DIR", help="the history folder"
    )


def _add_record(actions: argparse._SubParsersAction) -> None:
    parser = actions.add_parser(
        "record",
        help="add a run report to the history as a commit's entry",
        description="Add REPORT (from `searchbench run --format json`) to the history folder as "
        "<commit id>.json, atomically; recording a commit again replaces its entry. The date "
        "and subject come from git where it knows the commit.",
        formatter_class=Formatter,
    )
    parser.add_argument("report", type=Path, help="a run report")
    parser.add_argument("--commit", required=True, help="the commit the report ran on")
    parser.add_argument("--date", help="its commit date, ISO 8601 (default: git's, else now)")
    parser.add_argument("--subject", help="its subject line (default: git's, else none)")
    _history_flag(parser)
    parser.set_defaults(handler=record_command)


def _add_html(actions: argparse._SubParsersAction) -> None:
    parser = actions.add_parser(
        "html",
        help="write the static dashboard",
        description="Write a static dashboard of the history into OUT/ (open OUT/index.html "
        "from disk): scenarios with sparklines, and per scenario and strategy a chart per "
        "metric over commits, one line per search, with a table view.",
        formatter_class=Formatter,
    )
    parser.add_argument("out", type=Path, help="the folder to write")
    parser.add_argument("--last", type=_positive, metavar="N", help="only the newest N commits")
    _history_flag(parser)
    parser.set_defaults(handler=html_command)


def _add_bisect(actions: argparse._SubParsersAction) -> None:
    parser = actions.add_parser(
        "bisect",
        help="name the commit that changed a metric",
        description="For each strategy and search of SCENARIO, the commit since which METRIC "
        "has held its value at --bad: the first commit of the newest run of equal values.",
        formatter_class=Formatter,
    )
    parser.add_argument("metric", choices=tuple(METRICS), help="a row field: %(choices)s")
    parser.add_argument("scenario", help="a scenario id")
    parser.add_argument("--strategy", help="only this strategy key (e.g. TP=8)")
    parser.add_argument("--search", help="only this search")
    parser.add_argument("--good", metavar="SHA", help="blame only commits after this one")
    parser.add_argument("--bad", metavar="SHA", help="the commit to explain (default: newest)")
    _history_flag(parser)
    add_format_flag(parser, ("table", "json"))
    parser.set_defaults(handler=bisect_command)


def _add_comment(actions: argparse._SubParsersAction) -> None:
    parser = actions.add_parser(
        "comment",
        help="the pull request's comment, in Markdown",
        description="The pull request's sticky comment for NEW compared with BASE (the merge "
        "base's report): a verdict, each regression by name, compare's table, the dashboard.",
        formatter_class=Formatter,
    )
    parser.add_argument("base", type=Path, help="the merge base's run report")
    parser.add_argument("new", type=Path, help="the pull request's run report")
    parser.add_argument("--base-name", default="the merge base", help="how to name BASE")
    parser.add_argument("--dashboard", metavar="URL", help="a link to the dashboard")
    parser.set_defaults(handler=comment_command)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def record_command(args: argparse.Namespace) -> int:
    from harness.history.commits import resolve_commit
    from harness.history.store import read_entry, record

    commit = resolve_commit(args.commit, args.date, args.subject)
    path = record(args.report, commit, args.history)
    entry = read_entry(path)
    print(
        f"recorded {commit.short} ({commit.date}) in {path}: "
        f"{len(entry.rows)} rows, {len(entry.gates)} checks"
    )
    return 0


def html_command(args: argparse.Namespace) -> int:
    from harness.history.dashboard import write_dashboard
    from harness.history.store import read_history

    history = read_history(args.history)
    if args.last:
        history = history.newest(args.last)
    dashboard = write_dashboard(history, args.out)
    size = sum(p.stat().st_size for p in (args.out / "assets").iterdir())
    print(
        f"wrote {dashboard.index} and {len(dashboard.pages)} scenario pages over "
        f"{len(history.entries)} commits (assets {size / 1024:.0f} KiB)"
    )
    return 0


def bisect_command(args: argparse.Namespace) -> int:
    from harness.history.bisect import bisect, render_changes
    from harness.history.store import read_history

    history = read_history(args.history)
    changes = bisect(
        history, args.metric, args.scenario, args.strategy, args.search, args.good, args.bad
    )
    output = Output(
        text=lambda: render_changes(changes, args.metric, args.scenario),
        payload=lambda: [change.to_dict() for change in changes],
    )
    sys.stdout.write(render_output(args.format, output))
    return 0


def comment_command(args: argparse.Namespace) -> int:
    from harness.history.comment import pr_comment
    from harness.reporting.compare import compare, load_report

    comparison = compare(load_report(args.base), load_report(args.new))
    sys.stdout.write(pr_comment(comparison, args.base_name, args.dashboard))
    return 0
