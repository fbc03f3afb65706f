"""``searchbench validate``: check scenario files without running them."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.cli.flags import Formatter
from harness.errors import SearchbenchError
from harness.scenarios import collisions, discover, find_layout, load_scenario, refuse_collision


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
    layout = find_layout()
    files = discover(args.paths or [layout.scenarios], layout.scenarios)
    clashes = collisions(files)
    bad = 0
    for file in files:
        try:
            refuse_collision(file.path, file.id, clashes.get(file.id, ()))
            load_scenario(file.path, file.id)
            print(f"ok      {file.path}")
        except SearchbenchError as error:
            bad += 1
            print(f"invalid {error}")
    print(f"{len(files) - bad} valid, {bad} invalid")
    return 1 if bad else 0
