"""Renderings of result rows: tables for people (GitHub or Markdown), JSON and CSV for machines.

They only format; every number comes from ``rows.py``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import fields

from harness.reporting.rows import ResultRow
from harness.seconds import CALIBRATION, TimeSettings


def table(rows: Sequence[Sequence[object]], headers: Sequence[str], floatfmt: str = "g") -> str:
    """A GitHub-Markdown table, readable in a terminal and rendered in a pull-request comment.
    Pipes inside cells (msmodeling's labels) are escaped so the columns stay columns."""
    from tabulate import tabulate  # its import reads package metadata: only where tables print

    rows = [[_cell(value) for value in row] for row in rows]
    return tabulate(rows, headers=list(headers), tablefmt="github", floatfmt=floatfmt)


def _cell(value: object) -> object:
    return value.replace("|", "\\|") if isinstance(value, str) else value


def side_by_side(rows: Sequence[ResultRow], searches: Sequence[str]) -> str:
    """One line per strategy; batch, probes and projected msmodeling time per search."""
    groups: dict[tuple[str, str], dict[str, ResultRow]] = {}
    for row in rows:
        groups.setdefault((row.strategy, row.label), {})[row.search] = row
    body = []
    for (strategy, label), by_search in groups.items():
        line: list[object] = [strategy, label]
        for name in searches:
            row = by_search.get(name)
            if row is None:
                line += ["", "", ""]
                continue
            line += [_show(row.batch_size), row.probes, _seconds(row.projected_msmodeling_s)]
        body.append(line)
    headers = ["strategy", "label"]
    for name in searches:
        headers += [f"{name} batch", f"{name} probes", f"{name} est. s"]
    return table(body, headers)


def verdicts(
    rows: Sequence[ResultRow],
    searches: Sequence[str],
    totals: Mapping[str, float] | None = None,
) -> list[str]:
    """A line per candidate against the first search: same answer or Δ%, probes saved, and the
    whole msmodeling run's projected seconds (``totals``, per search)."""
    totals = totals or {}
    reference, *candidates = searches
    keyed = {(r.strategy, r.search): r for r in rows}
    keys = list(dict.fromkeys(r.strategy for r in rows))
    lines = []
    for name in candidates:
        same, differences = 0, []
        ref_probes = cand_probes = 0
        for key in keys:
            ref, cand = keyed.get((key, reference)), keyed.get((key, name))
            if ref is None or cand is None:
                continue
            ref_probes += ref.probes
            cand_probes += cand.probes
            if ref.batch_size == cand.batch_size:
                same += 1
            else:
                differences.append(f"{key}: {_delta(ref.batch_size, cand.batch_size)}")
        saved = ref_probes - cand_probes
        share = f"{100 * saved / ref_probes:.1f}%" if ref_probes else "n/a"
        spent = f"{saved} saved, {share}" if saved >= 0 else f"{-saved} more"
        text = (
            f"{name} vs {reference}: same answer on {same}/{len(keys)}; "
            f"probes {cand_probes} vs {ref_probes} ({spent})"
        )
        if name in totals and reference in totals:
            text += f"; msmodeling s {totals[name]:g} vs {totals[reference]:g} "
            text += f"({_saved_s(totals[reference] - totals[name])})"
        if differences:
            text += "; differs at " + "; ".join(differences)
        lines.append(text)
    return lines


def repeat_note(rows: Sequence[ResultRow]) -> str | None:
    """One line when msmodeling would search some layouts more than once."""
    repeated = [r for r in rows if r.repeats > 1]
    if not repeated:
        return None
    spent = sum(r.probes * r.repeats for r in rows)
    needed = sum(r.probes for r in rows)
    most = max(r.repeats for r in repeated)
    return (
        f"note: msmodeling searches each dense layout once per EP x MoE-DP size (up to {most}x, "
        f"under one label): it would spend {spent} probes where {needed} suffice; the est. s "
        "columns count its repeats"
    )


def averages(rows: Sequence[ResultRow], totals: Sequence[Mapping] = ()) -> str:
    """Per search: strategies, mean probes, how often the answer equals the oracle's, and the
    sum over scenarios of a whole msmodeling run's projected seconds (``totals``)."""
    if not rows:
        return ""
    seconds: dict[str, float] = {}
    for total in totals:
        name = str(total["search"])
        seconds[name] = seconds.get(name, 0.0) + float(total["projected_msmodeling_s"])
    by_search: dict[str, list[ResultRow]] = {}
    for row in rows:
        by_search.setdefault(row.search, []).append(row)
    body = []
    for name, group in by_search.items():
        exact = sum(r.batch_size == r.oracle_batch_size for r in group)
        mean = sum(r.probes for r in group) / len(group)
        spent = f"{seconds[name]:.1f}" if name in seconds else "none"
        body.append((name, len(group), f"{mean:.2f}", f"{exact}/{len(group)}", spent))
    headers = ("search", "strategies", "mean probes", "equals oracle", "msmodeling s, all runs")
    return table(body, headers)


def _show(value: object) -> object:
    return "none" if value is None else int(value)


def _delta(reference: int | None, candidate: int | None) -> str:
    if reference is None or candidate is None:
        return f"{candidate} vs {reference}"
    change = 100 * (candidate - reference) / reference
    return f"{candidate} vs {reference} ({change:+.1f}%)"


def to_json(payload: object) -> str:
    return json.dumps(payload, indent=2, allow_nan=False, default=_plain)


def _plain(value: object) -> object:
    if isinstance(value, ResultRow):
        return value.to_dict()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def to_csv(rows: Sequence[ResultRow]) -> str:
    """One line per row; a missing value is empty, a probe sequence space-separated."""
    if not rows:
        return ""
    names = [f.name for f in fields(ResultRow)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        values = row.to_dict()
        values["probe_sequence"] = " ".join(map(str, row.probe_sequence))
        writer.writerow(["" if values[n] is None else values[n] for n in names])
    return buffer.getvalue()


def scenario_table(
    rows: Sequence[ResultRow],
    searches: Sequence[str],
    misses: Mapping[tuple[str, str], str] | None = None,
) -> str:
    """A scenario's table: per strategy, the oracle, then each search's batch, probes and time;
    then what its marks mean. ``misses`` holds the declared misses that happened, by strategy
    and search, with their reasons."""
    misses = misses or {}
    keyed = {(r.strategy, r.search): r for r in rows}
    body = []
    for key in dict.fromkeys(r.strategy for r in rows):
        first = keyed[key, searches[0]]
        line: list[object] = [key, _show(first.oracle_batch_size)]
        for name in searches:
            row = keyed[key, name]
            line += [_answer_cell(row, (key, name) in misses), row.probes]
            line.append(_seconds(row.projected_msmodeling_s))
        body.append(line)
    headers = ["strategy", "oracle"]
    for name in searches:
        headers += [name, "probes", "est. s"]
    notes = [f"* {name} at {key}: a declared miss ({why})" for (key, name), why in misses.items()]
    if any(r.failure for r in rows):
        notes.append("failed: the search did not run to the end (see the answers items)")
    if any(r.feasible is False for r in rows):
        notes.append("!: the simulator finds the answer infeasible")
    return "\n".join([table(body, headers), *notes])


def est_s_note(time: TimeSettings = CALIBRATION) -> str:
    """What every ``est. s`` column means."""
    machine = "the calibration machine" if time.scale == 1 else f"{time.scale:g} x its seconds"
    return (
        "est. s: what msmodeling would spend on the search there: the model build, then each "
        "probe's forwards, priced per model class with msmodeling's memo and compile caches "
        f"(docs/seconds.md), times the times it repeats the search on that layout; {machine}"
    )


def _saved_s(saved: float) -> str:
    return f"{saved:.1f} s saved" if saved >= 0 else f"{-saved:.1f} s more"


def _seconds(value: float | None) -> str:
    return "none" if value is None else f"{value:.1f}"


def _answer_cell(row: ResultRow, declared_miss: bool) -> str:
    if row.failure:
        return "failed"
    return f"{_show(row.batch_size)}{'!' if row.feasible is False else ''}{'*' * declared_miss}"
