"""PD-ratio mode's pairing: each phase's rows cross-joined, ranked, and split into instances.

Re-implemented from msmodeling 84fec85 (described, not copied):
- a phase's rows are each strategy's binary-search probes that fit
  (``base_throughput_optimizer._run_once``), rounded to 3 decimals, over every strategy of the
  phase (``parallel_runner._run_pd_phase``);
- prefill QPS = concurrency / TTFT x 1000, decode QPS = concurrency / (TPOT x max(output - 1,
  1)) x 1000, ``pd_ratio`` = decode QPS / prefill QPS, balanced QPS = the smaller
  (``service/pd_ratio_throughput_optimizer.py``);
- rows ranked by ``PD_RATIO_RANK_KEYS`` (``serving_cast/utils.py``), a stable sort; the final
  table keeps the best row per (prefill layout, decode layout), then one row per balanced QPS
  rounded to 2 decimals (``optimizer_summary._prepare_pd_ratio_results``);
- its first row is the chosen pairing, and the instances are split within ``num_devices`` by
  ``optimizer_summary._calculate_instance_distribution``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from harness.door import Phase
from harness.optimizer.outcome import StrategyOutcome
from harness.request import OptimizerRequest

RANK_KEYS = (
    ("balanced_qps", False),
    ("d_qps", False),
    ("p_qps", False),
    ("ttft_p", True),
    ("tpot_d", True),
    ("batch_size_d", False),
    ("batch_size_p", False),
    ("concurrency_d", False),
    ("concurrency_p", False),
    ("parallel_p", True),
    ("parallel_d", True),
)
"""msmodeling's PD_RATIO_RANK_KEYS (serving_cast/utils.py): column, ascending."""


@dataclass(frozen=True)
class PhaseRow:
    """One row of a phase's table: a binary-search probe that fit, as msmodeling rounds it."""

    key: str
    parallel: str
    num_devices: int
    batch_size: int
    concurrency: int
    latency_ms: float
    """TTFT for prefill, TPOT for decode."""
    qps: float


@dataclass(frozen=True)
class PdRow:
    prefill: PhaseRow
    decode: PhaseRow

    @property
    def pd_ratio(self) -> float:
        return self.decode.qps / self.prefill.qps

    @property
    def balanced_qps(self) -> float:
        return min(self.prefill.qps, self.decode.qps)


@dataclass(frozen=True)
class Pairing:
    """A search's PD-ratio result: msmodeling's final table, its first row and the split."""

    search: str
    table: tuple[PdRow, ...]
    p_instances: int = 0
    d_instances: int = 0
    """0 and 0: no split of num_devices holds both (msmodeling prints none)."""

    @property
    def best(self) -> PdRow | None:
        return self.table[0] if self.table else None

    def summary(self) -> dict[str, object] | None:
        """The chosen PD configuration, as a record or report stores it."""
        best = self.best
        if best is None:
            return None
        return {
            "prefill": best.prefill.key,
            "decode": best.decode.key,
            "pd_ratio": best.pd_ratio,
            "p_qps": best.prefill.qps,
            "d_qps": best.decode.qps,
            "batch_size_p": best.prefill.batch_size,
            "batch_size_d": best.decode.batch_size,
            "p_instances": self.p_instances,
            "d_instances": self.d_instances,
        }


def _round(value: float, decimals: int) -> float:
    """numpy's (and so pandas') round: x x 10**d rounded half to even, over 10**d."""
    scale = 10**decimals
    return round(value * scale) / scale


def phase_rows(outcome: StrategyOutcome, output_length: int) -> list[PhaseRow]:
    """The strategy's rows msmodeling's phase table holds, with their QPS."""
    result = outcome.result
    if result.failure is not None:
        return []
    start = result.binary_search_from
    trace = result.trace if start is None else result.trace[start:]
    strategy = outcome.strategy
    prefill = strategy.phase is Phase.PREFILL
    rows = []
    for observation in trace:
        if not observation.feasible:
            continue
        latency = observation.ttft_ms if prefill else observation.tpot_ms
        if latency is None or not math.isfinite(latency):
            continue
        latency = _round(latency, 3)
        concurrency = observation.batch_size * strategy.parallel.dp
        if latency <= 0:
            continue
        qps = concurrency / latency * 1000
        if not prefill:
            qps = concurrency / (latency * max(output_length - 1, 1)) * 1000
        rows.append(
            PhaseRow(
                strategy.key,
                strategy.label,
                strategy.num_devices or 0,
                observation.batch_size,
                concurrency,
                latency,
                qps,
            )
        )
    return [row for row in rows if row.qps > 0]


def _value(row: PdRow, name: str) -> object:
    values = {
        "balanced_qps": row.balanced_qps,
        "d_qps": row.decode.qps,
        "p_qps": row.prefill.qps,
        "ttft_p": row.prefill.latency_ms,
        "tpot_d": row.decode.latency_ms,
        "batch_size_d": row.decode.batch_size,
        "batch_size_p": row.prefill.batch_size,
        "concurrency_d": row.decode.concurrency,
        "concurrency_p": row.prefill.concurrency,
        "parallel_p": row.prefill.parallel,
        "parallel_d": row.decode.parallel,
    }
    return values[name]


def rank(rows: Sequence[PdRow]) -> list[PdRow]:
    """msmodeling's stable multi-key sort: the last key first, each sort stable."""
    out = list(rows)
    for name, ascending in reversed(RANK_KEYS):
        out.sort(key=lambda row, n=name: _value(row, n), reverse=not ascending)
    return out


def final_table(
    rows: Sequence[PdRow], ttft_limit_ms: float | None, tpot_limit_ms: float | None
) -> list[PdRow]:
    """Rows within both limits (as rounded); the best per layout pair, then one per balanced
    QPS rounded to 2 decimals."""
    ttft, tpot = ttft_limit_ms or math.inf, tpot_limit_ms or math.inf
    kept = [r for r in rows if r.prefill.latency_ms <= ttft and r.decode.latency_ms <= tpot]
    ranked = rank(kept)
    per_pair: dict[tuple[str, str], PdRow] = {}
    for row in ranked:
        per_pair.setdefault((row.prefill.parallel, row.decode.parallel), row)
    per_qps: dict[float, PdRow] = {}
    for row in rank(per_pair.values()):
        per_qps.setdefault(_round(row.balanced_qps, 2), row)
    return rank(per_qps.values())


def instance_split(pd_ratio: float, total: int, p_devices: int, d_devices: int) -> tuple[int, int]:
    """msmodeling's split: for 1..total // d_devices decode instances, round(d x ratio) prefill
    instances (at least 1); of the splits that fit, the one closest to the ideal count, the
    first on ties."""
    best, best_diff = (0, 0), math.inf
    for d_inst in range(1, total // d_devices + 1):
        ideal = d_inst * pd_ratio
        p_inst = max(round(ideal), 1)
        if p_inst * p_devices + d_inst * d_devices <= total:
            diff = abs(p_inst - ideal)
            if diff < best_diff:
                best, best_diff = (p_inst, d_inst), diff
    return best


def pairing(request: OptimizerRequest, outcomes: Sequence[StrategyOutcome], search: str) -> Pairing:
    """One search's PD-ratio result from its outcomes on every strategy of both phases."""
    mine = [o for o in outcomes if o.result.search == search]
    prefill = [
        row
        for o in mine
        if o.strategy.phase is Phase.PREFILL
        for row in phase_rows(o, request.output_length)
    ]
    decode = [
        row
        for o in mine
        if o.strategy.phase is Phase.DECODE
        for row in phase_rows(o, request.output_length)
    ]
    rows = [PdRow(p, d) for p in prefill for d in decode]
    table = final_table(rows, request.ttft_limit_ms, request.tpot_limit_ms)
    if not table:
        return Pairing(search, ())
    best = table[0]
    split = instance_split(
        best.pd_ratio, request.num_devices, best.prefill.num_devices, best.decode.num_devices
    )
    return Pairing(search, tuple(table), *split)


def describe(found: Pairing, num_devices: int) -> str:
    """One line: the chosen pairing as msmodeling's "Overall Best Configuration" gives it."""
    best = found.best
    if best is None:
        return f"PD ratio ({found.search}): no pairing (a phase has no row within its limit)"
    p, d = best.prefill, best.decode
    split = (
        f"{found.p_instances} prefill + {found.d_instances} decode instances of {num_devices} "
        "devices"
        if found.p_instances
        else f"no split of {num_devices} devices holds one instance of each"
    )
    return (
        f"PD ratio ({found.search}): {p.key} + {d.key}, ratio {best.pd_ratio:.2f}: prefill "
        f"batch {p.batch_size} {p.qps:.2f} req/s (TTFT {p.latency_ms:.2f} ms), decode batch "
        f"{d.batch_size} {d.qps:.2f} req/s (TPOT {d.latency_ms:.2f} ms); {split}"
    )
