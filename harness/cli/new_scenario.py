"""``searchbench new-scenario``: a commented scenario template, from the same field table."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.cli.flags import Formatter
from harness.errors import HarnessInputError


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "new-scenario",
        help="write a commented scenario template",
        description="Write a commented scenario template (to stdout, or to a new file).",
        formatter_class=Formatter,
    )
    parser.add_argument("output", nargs="?", type=Path, help="file to write (default: stdout)")
    parser.set_defaults(handler=command)


def command(args: argparse.Namespace) -> int:
    from harness.scenarios import template

    if args.output is None:
        print(template(), end="")
        return 0
    if args.output.exists():
        raise HarnessInputError(f"{args.output} exists; not overwriting")
    if not args.output.parent.is_dir():
        raise HarnessInputError(f"{args.output}: folder {args.output.parent} does not exist")
    try:
        args.output.write_text(template())
    except OSError as error:
        raise HarnessInputError(f"{args.output}: cannot write: {error.strerror}") from None
    print(f"wrote {args.output}")
    return 0
