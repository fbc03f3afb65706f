"""``searchbench validate``: check scenario files without running them."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.cli.flags import Formatter


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "validate",
        help="check scenario files without running them",
        description="Load every scenario file; print file:line: field: message for mistakes.",
        formatter_class=Formatter,
    )
    parser.add_argument(
        "paths", nargs="*", type=Path, help="scenario files or folders (default: the project's)"
    )
    parser.set_defaults(handler=command)


def command(args: argparse.Namespace) -> int:
    from harness.scenarios import collect_scenarios, find_layout

    layout = find_layout()
    valid = invalid = 0
    for collected in collect_scenarios(args.paths or [layout.scenarios], layout.scenarios):
        if collected.error is None:
            valid += 1
            print(f"ok      {collected.file.path}")
        else:
            invalid += 1
            print(f"invalid {collected.error}")
    print(f"{valid} valid, {invalid} invalid")
    return 1 if invalid else 0
