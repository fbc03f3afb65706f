"""The ``--format`` registry: every output format once, by name, with its renderer. A command
declares which names it offers (``add_format_flag``) and hands ``render_output`` an ``Output``
holding the views those formats read, so ``json`` or ``csv`` means the same in every command.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from harness.reporting.render import to_csv, to_json
from harness.reporting.rows import ResultRow


@dataclass(frozen=True)
class Output:
    """What one command shows, as views built only when their format is chosen: ``text`` for
    people (table, markdown), ``payload`` for ``json``, ``rows`` for ``csv``."""

    text: Callable[[], str] | None = None
    payload: Callable[[], object] | None = None
    rows: Callable[[], Sequence[ResultRow]] | None = None


@dataclass(frozen=True)
class Format:
    name: str
    help: str
    view: str
    """The ``Output`` field this format reads."""
    encode: Callable[[Any], str]
    """The view's value to the text printed, ending with a newline."""


def _line(text: object) -> str:
    return f"{text}\n"


def _json(payload: object) -> str:
    return to_json(payload) + "\n"


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("table", "GitHub Markdown tables, readable in a terminal", "text", _line),
        Format("markdown", "the same tables, for a pull-request comment", "text", _line),
        Format("json", "one JSON document, for machines", "payload", _json),
        Format("csv", "one line per result row, for spreadsheets", "rows", to_csv),
    )
}


def add_format_flag(
    parser: argparse.ArgumentParser, names: Sequence[str], default: str = "table"
) -> None:
    """``--format`` with the names a command offers, each explained in the help."""
    for name in names:
        if name not in FORMATS:
            raise ValueError(f"--format: unknown format {name!r} (known: {', '.join(FORMATS)})")
    if default not in names:
        raise ValueError(f"--format: the default {default!r} is not among {list(names)}")
    explained = "; ".join(f"{name}: {FORMATS[name].help}" for name in names)
    parser.add_argument(
        "--format", choices=tuple(names), default=default, help=f"output format ({explained})"
    )


def render_output(name: str, output: Output) -> str:
    """The text ``--format name`` prints for ``output``."""
    chosen = FORMATS[name]
    view = getattr(output, chosen.view)
    if view is None:
        raise ValueError(f"--format {name}: this command's output has no {chosen.view} view")
    return chosen.encode(view())
