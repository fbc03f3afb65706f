"""Reports: one row type, its renderings (tables, JSON, CSV, Markdown), and plots."""

from harness.optimizer import projected_totals
from harness.reporting.render import (
    averages,
    repeat_note,
    scenario_table,
    side_by_side,
    table,
    to_csv,
    to_json,
    verdicts,
)
from harness.reporting.rows import (
    ResultRow,
    best_rows,
    outcome_row,
    outcome_rows,
    scenario_rows,
)

__all__ = [
    "ResultRow",
    "averages",
    "best_rows",
    "outcome_row",
    "outcome_rows",
    "projected_totals",
    "repeat_note",
    "scenario_rows",
    "scenario_table",
    "side_by_side",
    "table",
    "to_csv",
    "to_json",
    "verdicts",
]
