"""PD-ratio records: the chosen pairing msmodeling printed for each search, and ours for the
same request, compared.

The recorder keeps the request (its knob values as flags would give them) and, per search,
the first row of msmodeling's final PD-ratio table with the instance split it printed for it.
The check runs our replica searches on that request and compares layouts and instance counts
exactly, and the QPS and ratio within ``QPS_TOLERANCE``. Each phase's probes, boundaries and
sequences are the record's ordinary runs (one per strategy, on its devices per instance).
"""

from __future__ import annotations

from harness.request import OptimizerRequest, SearchRun, request_knobs

QPS_TOLERANCE = 0.02
"""Prefill QPS, decode QPS and the ratio within 2% of msmodeling's (issue 27)."""
CHOSEN_FIELDS = ("pd_ratio", "p_qps", "d_qps")


def request_values(request: OptimizerRequest) -> dict[str, object]:
    """The request's knobs that differ from their defaults, as a record stores them."""
    out = {}
    for declared in request_knobs():
        value = getattr(request, declared.name)
        if declared.required or value != declared.default:
            out[declared.name] = declared.kind.to_file(value)
    return out


def request_from(values: dict[str, object], searches: tuple[str, ...]) -> OptimizerRequest:
    def fail(message: str, index: int | None = None):
        raise ValueError(message)

    parsed = {}
    for declared in request_knobs():
        if declared.name in values:
            raw = values[declared.name]
            parsed[declared.name] = None if raw is None else declared.kind.parse(raw, fail)
    return OptimizerRequest(**parsed, searches=tuple(SearchRun(s) for s in searches))


def chosen_from_log(request: OptimizerRequest, lines: list[dict]) -> dict[str, object] | None:
    """msmodeling's chosen pairing in one search's log: the final table's first row and the
    split it printed, under our strategy keys."""
    table = next((x for x in lines if x.get("kind") == "pd_table"), None)
    if table is None or not table["rows"]:
        return None
    best = table["rows"][0]
    split = next((x for x in lines if x.get("kind") == "pd_instances"), {})
    # msmodeling 84fec85 spells MoE layouts MOE-TP, MOE-DP: labels match case-insensitively
    keys = {(s.phase.value, s.label.lower()): s.key for s in request.strategies()}

    def key(phase: str, label: str) -> str:
        return keys.get((phase, label.lower()), label)

    rows = [
        {"prefill": key("prefill", r["parallel_p"]), "decode": key("decode", r["parallel_d"]),
         "batch_size_p": r["batch_size_p"], "batch_size_d": r["batch_size_d"],
         "p_qps": r["p_qps"], "d_qps": r["d_qps"]}
        for r in table["rows"]
    ]  # fmt: skip
    return {
        "prefill": key("prefill", best["parallel_p"]),
        "decode": key("decode", best["parallel_d"]),
        "pd_ratio": best["pd_ratio"],
        "p_qps": best["p_qps"],
        "d_qps": best["d_qps"],
        "batch_size_p": best["batch_size_p"],
        "batch_size_d": best["batch_size_d"],
        "p_instances": split.get("p_instances", 0),
        "d_instances": split.get("d_instances", 0),
        "table": rows,
    }


def pd_ratio_section(request: OptimizerRequest, logs: dict[str, list[dict]], names) -> dict:
    """The record's ``pd_ratio`` section: the request, and msmodeling's pairing per search."""
    chosen = {names.get(search, search): chosen_from_log(request, lines)
              for search, lines in logs.items()}  # fmt: skip
    return {"request": request_values(request), "chosen": chosen}


def pairing_drifts(section: dict, tolerance_latency: float) -> list:
    """Ours against msmodeling's chosen pairing, per search of the record."""
    from harness.calibration.check import Drift, _relative, _same
    from harness.optimizer import optimize
    from harness.optimizer.pd_ratio import pairing

    chosen = section["chosen"]
    request = request_from(section["request"], tuple(chosen))
    outcomes = optimize(request)
    out = []
    for search, theirs in chosen.items():
        where = f"PD ratio, {search}"
        mine = pairing(request, outcomes, search).summary()
        if mine is None or theirs is None:
            out.append(_same(where, "pairing", mine, theirs))
            continue
        for name in ("prefill", "decode", "p_instances", "d_instances"):
            out.append(_same(where, name, mine[name], theirs[name]))
        for name in CHOSEN_FIELDS:
            error = _relative(mine[name], theirs[name])
            out.append(Drift(where, name, mine[name], theirs[name], error, QPS_TOLERANCE))
        out += _table_drifts(where, pairing(request, outcomes, search), theirs.get("table"))
    return out


def _table_drifts(where: str, found, theirs: list[dict] | None) -> list:
    """msmodeling's final table row by row: the same layouts and batches, QPS within 2%."""
    from harness.calibration.check import Drift, _relative, _same

    if theirs is None:
        return []
    out = [_same(where, "table rows", len(found.table), len(theirs))]
    for index, (row, other) in enumerate(zip(found.table, theirs, strict=False)):
        mine = {
            "prefill": row.prefill.key,
            "decode": row.decode.key,
            "batch_size_p": row.prefill.batch_size,
            "batch_size_d": row.decode.batch_size,
        }
        out.append(_same(f"{where} row {index + 1}", "layouts and batches", mine,
                         {k: other[k] for k in mine}))  # fmt: skip
        for name, value in (("p_qps", row.prefill.qps), ("d_qps", row.decode.qps)):
            error = _relative(value, other[name])
            out.append(Drift(f"{where} row {index + 1}", name, value, other[name], error,
                             QPS_TOLERANCE))  # fmt: skip
    return out
