"""The ``searchbench`` command line: one module per command, each a thin wrapper over functions
the tests call directly. Every user error is a ``SearchbenchError``, printed here as one line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from harness.cli import (
    calibrate,
    compare,
    fuzz,
    history,
    new_scenario,
    optimize,
    plot,
    probe,
    run,
    validate,
)
from harness.errors import SearchbenchError
from harness.searches import PLUGIN_PROBLEMS

COMMANDS = (run, compare, history, fuzz, optimize, probe, validate, new_scenario, plot, calibrate)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="searchbench",
        description="Benchmark and regression harness for the batch-size searches of an Ascend "
        "throughput optimizer, on its own analytic Ascend simulator.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except SearchbenchError as error:
        print(f"searchbench: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    finally:
        # Plugins load when a search name needs them; a broken one is named once.
        for problem in PLUGIN_PROBLEMS.values():
            print(f"searchbench: warning: {problem}", file=sys.stderr)


__all__ = ["build_parser", "main"]
