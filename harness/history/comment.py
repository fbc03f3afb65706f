"""The pull request's comment: a one-line verdict, each regression by name, ``compare``'s table
of what changed against the merge base, and a link to the dashboard.

Its first line is a hidden marker, so the job that posts it finds and updates its own comment
instead of adding one per push (a sticky comment)."""

from __future__ import annotations

from harness.reporting.compare import Comparison, change_text, render

MARKER = "<!-- searchbench-comment -->"
MOST_CHARACTERS = 60_000
"""GitHub refuses a comment over 65,536 characters; past this the table keeps its failures."""


def pr_comment(comparison: Comparison, base: str, dashboard: str | None = None) -> str:
    """The comment's Markdown (GitHub-flavoured) for a branch compared with ``base``."""
    failures = comparison.failures.to_dict("records")
    parts = [MARKER, f"### searchbench against {base}", "", _verdict(comparison, len(failures))]
    if failures:
        parts += ["", "Regressions:", ""]
        parts += [_regression(row) for row in failures]
    table = render(comparison)
    if len(table) > MOST_CHARACTERS:
        table = render(Comparison(comparison.failures))
        table += "\n\nOnly the failing rows fit here; the job summary lists every change."
    parts += ["", table]
    gone = comparison.summary().splitlines()[1:]
    if gone:
        parts += ["", *gone]
    if dashboard:
        parts += [
            "",
            f"[Dashboard]({dashboard}): answers, probes and projected seconds over the history, "
            "this pull request last (a zip of static pages: open `index.html`).",
        ]
    return "\n".join(parts) + "\n"


def _verdict(comparison: Comparison, failed: int) -> str:
    frame = comparison.frame
    both = frame[frame["_merge"] == "both"]
    fewer = int((both["probes_new"] < both["probes_old"]).sum())
    more = int((both["probes_new"] > both["probes_old"]).sum())
    counts = comparison.summary().splitlines()[0]
    probes = f"probes down on {fewer} rows, up on {more}"
    if failed:
        return f"**FAIL: {failed} regression{'s' * (failed != 1)}**: {counts}; {probes}."
    return f"**OK: no regression**: {counts}; {probes}."


def _regression(row: dict) -> str:
    what = row["verdict"].removeprefix("FAIL: ")
    answer = change_text(row["batch_size_old"], row["batch_size_new"])
    probes = change_text(row["probes_old"], row["probes_new"])
    where = f"`{row['scenario']}` `{row['strategy']}` `{row['search']}`"
    return f"- {where} fails on {what}: answer {answer}, probes {probes}"
