"""msmodeling's cross-hardware summary: with several device profiles in one run, the best
strategy per device, side by side.

msmodeling (``render_cross_hardware_summary`` in serving_cast/service/optimizer_curve_plots.py,
the tables in serving_cast/service/optimizer_summary.py) keeps per device the row of highest
token/s within the limits over every strategy (``_prepare_agg_disagg_results``), one table per
mode (agg; disagg prefill and decode apart), ranked by token/s, highest first; a device with no
row within the limits has no line, and a table with no line at all says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.optimizer import StrategyOutcome, best_outcome
from harness.reporting.render import table
from harness.reporting.rows import ResultRow, outcome_row
from harness.seconds import CALIBRATION, TimeSettings

TITLES = {
    "agg": "Cross-hardware - PD Aggregated (best throughput config per device under TTFT/TPOT "
    "limits)",
    "prefill": "Cross-hardware - PD Disaggregated Prefill (best token/s per device under TTFT "
    "limits)",
    "decode": "Cross-hardware - PD Disaggregated Decode (best token/s per device under TPOT "
    "limits)",
}
"""msmodeling's titles of its three cross-hardware tables."""
HEADERS = (
    "top",
    "device",
    "tokens/s",
    "TTFT ms",
    "TPOT ms",
    "concurrency",
    "parallel",
    "strategy",
    "batch",
)


@dataclass(frozen=True)
class DeviceBest:
    """One line of a cross-hardware table: a device and its best strategy's row."""

    device: str
    row: ResultRow

    def to_dict(self) -> dict[str, object]:
        row = self.row
        return {
            "device": self.device,
            "strategy": row.strategy,
            "label": row.label,
            "batch_size": row.batch_size,
            "concurrency": row.concurrency,
            "tokens_per_s": row.tokens_per_s,
            "ttft_ms": row.ttft_ms,
            "tpot_ms": row.tpot_ms,
        }


def devices_of(outcomes: Sequence[StrategyOutcome]) -> list[str]:
    """The device profiles the outcomes compare, in run order (none for a one-device run)."""
    return [d for d in dict.fromkeys(o.strategy.device for o in outcomes) if d is not None]


def cross_hardware(
    outcomes: Sequence[StrategyOutcome], search: str, time: TimeSettings = CALIBRATION
) -> dict[str, list[DeviceBest]]:
    """Per phase, each device's best strategy for ``search``, ranked by tokens/s (ties keep the
    devices' order, as msmodeling's sort does); empty for a run of one device."""
    devices = devices_of(outcomes)
    if len(devices) < 2:
        return {}
    out: dict[str, list[DeviceBest]] = {}
    for phase in dict.fromkeys(o.phase for o in outcomes):
        lines = []
        for device in devices:
            mine = [o for o in outcomes if o.strategy.device == device]
            best = best_outcome(mine, search, phase)
            if best is not None:
                lines.append(DeviceBest(device, outcome_row(best, time)))
        out[phase] = sorted(lines, key=lambda b: b.row.tokens_per_s or 0.0, reverse=True)
    return out


def cross_hardware_payload(summary: dict[str, list[DeviceBest]]) -> dict[str, list[dict]]:
    return {phase: [line.to_dict() for line in lines] for phase, lines in summary.items()}


def cross_hardware_text(summary: dict[str, list[DeviceBest]], search: str) -> str:
    """msmodeling's tables, one per phase, as GitHub Markdown; "" for a one-device run."""
    parts = []
    for phase, lines in summary.items():
        parts.append(f"{TITLES.get(phase, phase)}, {search}:")
        if not lines:
            parts.append("no device has a strategy within the limits")
            continue
        body = [
            [
                top,
                line.device,
                line.row.tokens_per_s,
                _shown(line.row.ttft_ms, phase != "decode"),
                _shown(line.row.tpot_ms, phase != "prefill"),
                line.row.concurrency,
                line.row.label,
                line.row.strategy,
                line.row.batch_size,
            ]
            for top, line in enumerate(lines, start=1)
        ]
        parts.append(table(body, HEADERS, floatfmt=".2f"))
    return "\n".join(parts)


def _shown(value: float | None, phase_has_it: bool) -> object:
    """msmodeling prints "-" for the latency a disaggregated phase is not limited by."""
    return value if phase_has_it and value is not None else "-"
