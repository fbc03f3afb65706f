"""Paths as users should read them in messages."""

from __future__ import annotations

from pathlib import Path


def display_path(path: Path | str) -> str:
    """A path relative to the working directory where it lies below it. Links are not
    followed: a message names the file the user wrote, even a dangling or looping link."""
    try:
        return str(Path(path).absolute().relative_to(Path.cwd().absolute()))
    except (ValueError, OSError):
        return str(path)
