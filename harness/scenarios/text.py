"""Text from a scenario file made safe to print: one line for a terminal and for Markdown.

A description reaches the terminal (``searchbench run``'s headings) and the job summary's
Markdown (``## id: description`` and table cells). An escape character there recolours the
terminal or retitles its window, and a newline or a pipe adds rows to a Markdown table.
``one_line`` escapes every character that is not printable (control characters, ESC and BEL of
ANSI sequences, bidirectional overrides, zero-width and line-separator characters) as Python
writes it (``\\x1b``, ``\\n``, ``\\u202e``), and writes ``|`` as Markdown's ``\\|``; printable
text of any script is kept as written.
"""

from __future__ import annotations


def one_line(text: str) -> str:
    """``text`` as one line that a terminal shows as written and Markdown keeps in its cell."""
    return "".join(_safe(c) for c in text)


def _safe(character: str) -> str:
    if character == "|":
        return "\\|"
    if character.isprintable():
        return character
    return character.encode("unicode_escape").decode("ascii")
