"""Scenario subcommands (run, validate, new-scenario); filled in with the scenario harness."""

from __future__ import annotations

import argparse


def add_commands(commands: argparse._SubParsersAction) -> None:
    return None
