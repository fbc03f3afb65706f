"""Two ``searchbench run --format json`` reports side by side (main's and a branch's): per
scenario, strategy and search, the change in answer, probes and projected msmodeling time.

Everything the reference report has must still be there: a scenario, strategy or search that
disappears fails, as does a search that failed to run, an infeasible answer, or any change to
the answer of a search that claims exactness. Values are checked when read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from harness.reporting.render import table
from harness.reporting.report_rows import KEYS, VALUES, checked_rows
from harness.reporting.run_report import read_run_report

DEFAULT_TOLERANCE = 0.02


@dataclass(frozen=True)
class Comparison:
    frame: pd.DataFrame
    """One row per (scenario, strategy, search) in either report, with *_old and *_new columns
    and a verdict."""

    @property
    def failures(self) -> pd.DataFrame:
        return self.frame[self.frame["verdict"].str.startswith("FAIL")]

    def summary(self) -> str:
        total, failed = len(self.frame), len(self.failures)
        line = f"{failed} of {total} rows fail"
        counts = self.failures["verdict"].str.removeprefix("FAIL: ").str.split(", ").explode()
        if failed:
            line += " (" + ", ".join(f"{n} {what}" for what, n in counts.value_counts().items())
            line += ")"
        gone = self.frame[self.frame["_merge"] == "left_only"]
        for level, column in (("scenarios", "scenario"), ("searches", "search")):
            kept = set(self.frame.loc[self.frame["_merge"] != "left_only", column])
            lost = sorted(set(gone[column]) - kept)
            if lost:
                line += f"\n{level} gone from the new report: {', '.join(lost)}"
        return line

    def seconds(self) -> dict[str, tuple[float, float]]:
        """Per search, projected msmodeling seconds summed over the strategies both reports
        have: (old, new)."""
        both = self.frame[self.frame["_merge"] == "both"]
        out = {}
        for search, rows in both.groupby("search", sort=False):
            old = pd.to_numeric(rows["projected_msmodeling_s_old"], errors="coerce")
            new = pd.to_numeric(rows["projected_msmodeling_s_new"], errors="coerce")
            if old.notna().any() or new.notna().any():
                out[str(search)] = (round(float(old.sum()), 2), round(float(new.sum()), 2))
        return out

    def seconds_line(self) -> str | None:
        parts = []
        for search, (old, new) in self.seconds().items():
            change = f" ({(new - old) / old:+.1%})" if old else ""
            parts.append(f"{search} {change_text(old, new)}{change}")
        if not parts:
            return None
        return "projected msmodeling s, summed over strategies: " + " / ".join(parts)

    def payload(self) -> dict[str, object]:
        """The rows as plain records (missing values as null), the number that fail and the
        seconds per search."""
        frame = self.frame.drop(columns=["_merge"]).astype(object)
        records = frame.where(frame.notna(), None).to_dict("records")
        seconds = {s: {"old": o, "new": n} for s, (o, n) in self.seconds().items()}
        return {"rows": records, "failures": len(self.failures), "seconds": seconds}


def load_report(path: Path) -> pd.DataFrame:
    """A run report's rows, one per scenario, strategy and search (any supported version),
    each value checked (a wrong one is one line naming the file, row and field)."""
    rows = checked_rows(path, read_run_report(path)["rows"])
    return pd.DataFrame(rows, columns=KEYS + VALUES)


def compare(old: pd.DataFrame, new: pd.DataFrame) -> Comparison:
    joined = old.merge(new, on=KEYS, how="outer", suffixes=("_old", "_new"), indicator=True)
    joined = joined.sort_values(KEYS, kind="stable").reset_index(drop=True)
    joined["verdict"] = [_verdict(row) for row in joined.to_dict("records")]
    return Comparison(joined)


def _verdict(row: dict) -> str:
    if row["_merge"] == "left_only":
        return "FAIL: gone"
    if row["_merge"] == "right_only":
        return "new"
    problems = []
    if _value(row["failure_new"]) is not None:
        problems.append("failed to run")
    if _value(row["feasible_new"]) is False:
        problems.append("infeasible")
    old, new = _value(row["batch_size_old"]), _value(row["batch_size_new"])
    exact = bool(_value(row["exact_new"]) or _value(row["exact_old"]))
    tolerance = _value(row["tolerance_new"])
    tolerance = _value(row["tolerance_old"]) if tolerance is None else tolerance
    tolerance = 0.0 if exact else DEFAULT_TOLERANCE if tolerance is None else tolerance
    if (old is None) != (new is None) or (old is not None and abs(new - old) > tolerance * old):
        problems.append("answer changed (exact)" if exact else "answer")
    if row["probes_new"] > row["probes_old"]:
        problems.append("probes")
    return f"FAIL: {', '.join(problems)}" if problems else "ok"


def _value(value):
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def render(comparison: Comparison, changed_only: bool = True) -> str:
    rows = []
    for row in comparison.frame.to_dict("records"):
        answer = change_text(row["batch_size_old"], row["batch_size_new"])
        probes = change_text(row["probes_old"], row["probes_new"])
        seconds = change_text(row["projected_msmodeling_s_old"], row["projected_msmodeling_s_new"])
        same = row["verdict"] == "ok" and "->" not in answer + probes + seconds
        if changed_only and same:
            continue
        rows.append(
            [
                row["scenario"],
                row["strategy"],
                row["search"],
                answer,
                probes,
                seconds,
                row["verdict"],
            ]
        )
    headers = ("scenario", "strategy", "search", "answer", "probes", "est. s", "verdict")
    if not rows:
        return "no answer, probe count or projected time changed"
    return table(rows, headers)


def change_text(old, new) -> str:
    """``old -> new``, or the value alone when it did not change (``none``: no value)."""

    def show(value) -> str:
        value = _value(value)
        if value is None:
            return "none"
        if isinstance(value, float):
            return f"{value:g}" if not value.is_integer() or value > 1e6 else f"{int(value)}"
        return str(value)

    return show(new) if show(old) == show(new) else f"{show(old)} -> {show(new)}"
