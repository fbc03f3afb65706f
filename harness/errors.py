"""Errors the harness reports to users as one clear line, never a traceback."""

from __future__ import annotations


class HarnessInputError(ValueError):
    """Bad input to the harness (CLI flags, scenario values)."""
