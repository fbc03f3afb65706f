"""Names as messages show them: lookalikes escaped, and the allowed name they were close to.

A Cyrillic ``і`` or a zero-width space makes ``num_devіces`` print exactly like ``num_devices``,
so a message that echoes the name as written cannot show the mistake. ``shown`` escapes
everything outside printable ASCII (``'num_dev\\u0456ces'``); ``suggestion`` compares names after
NFKC and ASCII folding (fullwidth letters become ASCII, other non-ASCII characters drop out, case
is ignored), so the lookalike is matched to the name it imitates.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable


def shown(name: str) -> str:
    """The name quoted, escaped where it is not printable ASCII."""
    return ascii(name)


def plain(name: str) -> str:
    """The name unquoted, escaped the same way (for a dotted field path)."""
    return name if name.isascii() and name.isprintable() else ascii(name)[1:-1]


def fold(name: str) -> str:
    normal = unicodedata.normalize("NFKC", name)
    return "".join(c for c in normal if c.isascii() and c.isprintable()).lower()


def suggestion(name: str, choices: Iterable[str]) -> str | None:
    """The allowed name closest to ``name`` once both are folded, if one is close."""
    by_fold: dict[str, str] = {}
    for choice in choices:
        by_fold.setdefault(fold(choice), choice)
    folded = fold(name)
    if folded in by_fold:
        return by_fold[folded]
    close = difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=0.75)
    return by_fold[close[0]] if close else None


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """``"did you mean 'num_devices'?; "`` or nothing, to open a parenthesis of allowed names."""
    near = suggestion(name, choices)
    return f"did you mean {shown(near)}?; " if near is not None and near != name else ""
