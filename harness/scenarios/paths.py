"""Paths as users should read them in messages."""

from __future__ import annotations

from pathlib import Path


def display_path(path: Path | str) -> str:
    """A path relative to the working directory where it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
