"""Two ``searchbench run --format json`` reports side by side (main's and a branch's): per
scenario, strategy and search, the change in answer, probes and projected msmodeling time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from harness.errors import SearchbenchError
from harness.reporting.render import table
from harness.reporting.run_report import WRITE_ONE, read_run_report

KEYS = ["scenario", "strategy", "search"]
VALUES = ["batch_size", "probes", "projected_msmodeling_s", "tolerance"]
DEFAULT_TOLERANCE = 0.02


@dataclass(frozen=True)
class Comparison:
    frame: pd.DataFrame
    """One row per (scenario, strategy, search) in either report, with old_* and new_* columns
    and a verdict."""

    @property
    def failures(self) -> pd.DataFrame:
        return self.frame[self.frame["verdict"].str.startswith("FAIL")]

    def summary(self) -> str:
        total = len(self.frame)
        return (
            f"{len(self.failures)} of {total} rows fail (an answer out of tolerance, or more "
            "probes)"
        )

    def payload(self) -> dict[str, object]:
        """The rows as plain records (missing values as null) and the number that fail."""
        frame = self.frame.drop(columns=["_merge"]).astype(object)
        records = frame.where(frame.notna(), None).to_dict("records")
        return {"rows": records, "failures": len(self.failures)}


def load_report(path: Path) -> pd.DataFrame:
    """A run report's rows, one per scenario, strategy and search (any supported version)."""
    frame = pd.DataFrame(read_run_report(path)["rows"])
    missing = [c for c in [*KEYS, "batch_size", "probes"] if c not in frame]
    if missing:
        raise SearchbenchError(
            f"{path}: not a searchbench run report (no {', '.join(missing)}; {WRITE_ONE})"
        )
    for column in VALUES:
        if column not in frame:
            frame[column] = None
    return frame[KEYS + VALUES]


def compare(old: pd.DataFrame, new: pd.DataFrame) -> Comparison:
    joined = old.merge(new, on=KEYS, how="outer", suffixes=("_old", "_new"), indicator=True)
    joined = joined.sort_values(KEYS, kind="stable").reset_index(drop=True)
    joined["verdict"] = [_verdict(row) for row in joined.to_dict("records")]
    return Comparison(joined)


def _verdict(row: dict) -> str:
    if row["_merge"] == "left_only":
        return "gone"
    if row["_merge"] == "right_only":
        return "new"
    problems = []
    old, new = _int(row["batch_size_old"]), _int(row["batch_size_new"])
    tolerance = _float(row["tolerance_new"]) or _float(row["tolerance_old"]) or DEFAULT_TOLERANCE
    if (old is None) != (new is None) or (old is not None and abs(new - old) > tolerance * old):
        problems.append("answer")
    if _int(row["probes_new"]) > _int(row["probes_old"]):
        problems.append("probes")
    return f"FAIL: {', '.join(problems)}" if problems else "ok"


def _int(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _float(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def render(comparison: Comparison, changed_only: bool = True) -> str:
    rows = []
    for row in comparison.frame.to_dict("records"):
        answer = _change(row["batch_size_old"], row["batch_size_new"])
        probes = _change(row["probes_old"], row["probes_new"])
        same = row["verdict"] == "ok" and "->" not in answer + probes
        if changed_only and same:
            continue
        rows.append(
            [
                row["scenario"],
                row["strategy"],
                row["search"],
                answer,
                probes,
                _change(row["projected_msmodeling_s_old"], row["projected_msmodeling_s_new"]),
                row["verdict"],
            ]
        )
    headers = ("scenario", "strategy", "search", "answer", "probes", "est. s", "verdict")
    if not rows:
        return "no answer or probe count changed"
    return table(rows, headers)


def _change(old, new) -> str:
    def show(value) -> str:
        if value is None or pd.isna(value):
            return "none"
        return f"{value:g}" if isinstance(value, float) else str(value)

    return show(new) if show(old) == show(new) else f"{show(old)} -> {show(new)}"
