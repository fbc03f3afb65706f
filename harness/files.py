"""Reading the harness's own JSON files (baselines, run reports) without trusting them."""

from __future__ import annotations

from pathlib import Path


def read_regular_text(path: Path, most_bytes: int) -> str:
    """A regular file's UTF-8 text, refusing more than ``most_bytes`` while reading, so a FIFO
    or ``/dev/zero`` never hangs or fills memory. OSError: missing or not a regular file;
    ValueError: too large or not UTF-8."""
    if not path.is_file():
        raise OSError("no such file" if not path.exists() else "not a regular file")
    with path.open("rb") as handle:
        data = handle.read(most_bytes + 1)
    if len(data) > most_bytes:
        raise ValueError(f"larger than {most_bytes // 2**20} MiB")
    return data.decode("utf-8")
