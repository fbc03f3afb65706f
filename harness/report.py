"""Renderings of optimizer results: rows, the side-by-side table, verdicts, JSON and CSV.

Every number is computed once, in ``outcome_rows``; the renderings only format it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

import pandas as pd
from tabulate import tabulate

from harness.optimizer import MSMODELING_SECONDS_PER_PROBE, StrategyOutcome, best_outcome

ROW_FIELDS = (
    "parallel",
    "tp",
    "dp",
    "ep",
    "phase",
    "strategy",
    "batch_size",
    "concurrency",
    "ttft_ms",
    "tpot_ms",
    "tokens_per_s",
    "tokens_per_s_per_device",
    "probes",
    "probe_sequence",
    "early_stop",
    "max_batched_tokens",
    "chosen_batch_size",
    "projected_msmodeling_s",
)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def outcome_row(outcome: StrategyOutcome, seconds_per_probe: float) -> dict[str, object]:
    result = outcome.result
    chosen = result.chosen
    metrics = outcome.metrics
    return {
        "parallel": outcome.label,
        "tp": outcome.parallel.tp,
        "dp": outcome.parallel.dp,
        "ep": outcome.parallel.ep,
        "phase": outcome.phase,
        "strategy": result.search,
        "batch_size": result.batch_size,
        "concurrency": metrics["concurrency"],
        "ttft_ms": _round(metrics["ttft_ms"]),
        "tpot_ms": _round(metrics["tpot_ms"]),
        "tokens_per_s": _round(metrics["tokens_per_s"]),
        "tokens_per_s_per_device": _round(metrics["tokens_per_s_per_device"]),
        "probes": result.probes,
        "probe_sequence": list(result.sequence),
        "early_stop": result.early_stop,
        "max_batched_tokens": outcome.max_batched_tokens,
        "chosen_batch_size": chosen.batch_size if chosen else None,
        "projected_msmodeling_s": round(result.probes * seconds_per_probe, 2),
    }


def outcome_rows(
    outcomes: Sequence[StrategyOutcome], seconds_per_probe: float = MSMODELING_SECONDS_PER_PROBE
) -> list[dict[str, object]]:
    return [outcome_row(o, seconds_per_probe) for o in outcomes]


def best_rows(
    outcomes: Sequence[StrategyOutcome], reference: str, seconds_per_probe: float
) -> dict[str, dict[str, object] | None]:
    phases = list(dict.fromkeys(o.phase for o in outcomes))
    out = {}
    for phase in phases:
        best = best_outcome(outcomes, reference, phase)
        out[phase] = outcome_row(best, seconds_per_probe) if best else None
    return out


def side_by_side(rows: Sequence[dict[str, object]], strategies: Sequence[str]) -> str:
    """One line per parallel strategy and phase; batch, probes and projected time per search."""
    frame = pd.DataFrame(rows)
    table = []
    for (parallel, phase), group in frame.groupby(["parallel", "phase"], sort=False):
        line: list[object] = [parallel, phase]
        by_strategy = {r["strategy"]: r for r in group.to_dict("records")}
        for name in strategies:
            row = by_strategy.get(name)
            if row is None:
                line += ["", "", ""]
                continue
            batch = row["batch_size"]
            line += [
                "none" if batch is None or pd.isna(batch) else int(batch),
                row["probes"],
                row["projected_msmodeling_s"],
            ]
        table.append(line)
    headers = ["parallel", "phase"]
    for name in strategies:
        headers += [f"{name} batch", f"{name} probes", f"{name} est. s"]
    return tabulate(table, headers=headers, tablefmt="github")


def verdicts(rows: Sequence[dict[str, object]], strategies: Sequence[str]) -> list[str]:
    """A line per candidate against the first search: same answer or Δ%, and probes saved."""
    reference, *candidates = strategies
    keyed = {(r["parallel"], r["phase"], r["strategy"]): r for r in rows}
    keys = list(dict.fromkeys((r["parallel"], r["phase"]) for r in rows))
    lines = []
    for name in candidates:
        same, differences = 0, []
        ref_probes = cand_probes = 0
        for parallel, phase in keys:
            ref = keyed.get((parallel, phase, reference))
            cand = keyed.get((parallel, phase, name))
            if ref is None or cand is None:
                continue
            ref_probes += ref["probes"]
            cand_probes += cand["probes"]
            if ref["batch_size"] == cand["batch_size"]:
                same += 1
            else:
                differences.append(
                    f"{parallel} {phase}: {_delta(ref['batch_size'], cand['batch_size'])}"
                )
        saved = ref_probes - cand_probes
        share = f"{100 * saved / ref_probes:.1f}%" if ref_probes else "n/a"
        spent = f"{saved} saved, {share}" if saved >= 0 else f"{-saved} more"
        text = (
            f"{name} vs {reference}: same answer on {same}/{len(keys)}; "
            f"probes {cand_probes} vs {ref_probes} ({spent})"
        )
        if differences:
            text += "; differs at " + "; ".join(differences)
        lines.append(text)
    return lines


def _delta(reference: object, candidate: object) -> str:
    if reference is None or candidate is None:
        return f"{candidate} vs {reference}"
    change = 100 * (int(candidate) - int(reference)) / int(reference)
    return f"{candidate} vs {reference} ({change:+.1f}%)"


def to_json(payload: object) -> str:
    return json.dumps(payload, indent=2, sort_keys=False, allow_nan=False, default=_plain)


def _plain(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def to_csv(rows: Sequence[dict[str, object]]) -> str:
    frame = pd.DataFrame(rows)
    if "probe_sequence" in frame:
        frame["probe_sequence"] = frame["probe_sequence"].map(lambda s: " ".join(map(str, s)))
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()
