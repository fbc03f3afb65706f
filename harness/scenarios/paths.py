"""Paths as users should read them in messages, paste them into a shell, and address them in
pytest: a scenario's id is restricted to what both take unquoted."""

from __future__ import annotations

import shlex
from pathlib import Path

ID_PUNCTUATION = "._-"
ID_RULE = (
    "an id (the file's path under the scenario folder, without its suffix) holds letters, "
    "digits, '.', '_', '-' and '/' only, so that pytest and a shell can address it"
)


def display_path(path: Path | str) -> str:
    """A path relative to the working directory where it lies below it. Links are not
    followed: a message names the file the user wrote, even a dangling or looping link."""
    try:
        return str(Path(path).absolute().relative_to(Path.cwd().absolute()))
    except (ValueError, OSError):
        return str(path)


def shell_quote(path: Path | str) -> str:
    """A path as a printed hint shows it: quoted for a POSIX shell wherever it needs quoting
    (``'with space.yaml'``), so that pasting the hint runs nothing the name spells."""
    return shlex.quote(str(path))


def id_problem(scenario_id: str) -> str | None:
    """Why ``scenario_id`` cannot be a scenario's id, or None. pytest reads ``::`` and ``[``
    in a path as a node id (``x::y.yaml`` and ``a[1].yaml`` cannot be selected), and a shell
    reads ``$``, ``;``, quotes, spaces and the like; letters of any script and digits are
    safe in both."""
    bad = sorted({c for c in scenario_id if not (c.isalnum() or c in ID_PUNCTUATION + "/")})
    if bad:
        shown = ", ".join(ascii(c) for c in bad)
        return f"scenario id {scenario_id!a} holds {shown}; {ID_RULE}: rename the file"
    if any(part.strip(".") == "" for part in scenario_id.split("/")):
        return f"scenario id {scenario_id!a} has an empty or dots-only part; {ID_RULE}"
    return None
