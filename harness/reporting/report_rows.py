"""The rows of a run report as compare reads them: each field checked against what a run can
write, so that a hand-edited or foreign report is one line naming the file, row and field,
never a silent pass."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

from harness.errors import SearchbenchError
from harness.probe.recorder import LARGEST_BATCH
from harness.reporting.run_report import WRITE_ONE

KEYS = ["scenario", "strategy", "search"]
VALUES = [
    "batch_size",
    "probes",
    "projected_msmodeling_s",
    "tolerance",
    "exact",
    "feasible",
    "failure",
]
MOST_PROBES = 10**9


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


Rule = tuple[Callable[[object], bool], str, object]
"""(accepts, what it expects, the value a missing field takes; REQUIRED: none)."""
REQUIRED = object()
RULES: dict[str, Rule] = {
    "scenario": (lambda v: isinstance(v, str) and v != "", "a scenario id", REQUIRED),
    "strategy": (lambda v: isinstance(v, str) and v != "", "a strategy key", REQUIRED),
    "search": (lambda v: isinstance(v, str) and v != "", "a search name", REQUIRED),
    "batch_size": (
        lambda v: v is None or (_is_int(v) and 1 <= v <= LARGEST_BATCH),
        f"null or a whole number 1..{LARGEST_BATCH:,}",
        REQUIRED,
    ),
    "probes": (
        lambda v: _is_int(v) and 0 <= v <= MOST_PROBES,
        f"a whole number 0..{MOST_PROBES:,}",
        REQUIRED,
    ),
    "projected_msmodeling_s": (
        lambda v: v is None or (_is_number(v) and v >= 0),
        "null or a number >= 0",
        None,
    ),
    "tolerance": (
        lambda v: v is None or (_is_number(v) and 0 <= v < 1),
        "null or a number in [0, 1)",
        None,
    ),
    "exact": (lambda v: isinstance(v, bool), "true or false", False),
    "feasible": (lambda v: v is None or isinstance(v, bool), "null, true or false", None),
    "failure": (lambda v: v is None or isinstance(v, str), "null or a line of text", None),
}


def checked_rows(path: Path, rows: Sequence[dict]) -> list[dict[str, object]]:
    """The report's rows with the fields compare reads, each checked; duplicates refused."""
    out: list[dict[str, object]] = []
    seen: dict[tuple[object, ...], int] = {}
    for index, row in enumerate(rows):
        checked = {field: _field(path, index, row, field) for field in KEYS + VALUES}
        key = tuple(checked[field] for field in KEYS)
        if key in seen:
            raise SearchbenchError(
                f"{path}: rows[{index}] repeats rows[{seen[key]}] "
                f"({' / '.join(map(str, key))}); a run writes each once"
            )
        seen[key] = index
        out.append(checked)
    return out


def _field(path: Path, index: int, row: dict, field: str) -> object:
    accepts, expected, missing = RULES[field]
    if field not in row:
        if missing is REQUIRED:
            raise SearchbenchError(
                f"{path}: rows[{index}] has no {field}: not a searchbench run report ({WRITE_ONE})"
            )
        return missing
    value = row[field]
    if not accepts(value):
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise SearchbenchError(f"{path}: rows[{index}].{field}: expected {expected}, got {shown}")
    return value
