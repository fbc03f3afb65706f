"""A strategy: one parallel layout (TP x DP, and EP x MoE-DP for MoE) in one serving phase.

Its ``key`` (``TP=8``, ``TP=2,EP=4``, ``TP=1,EP=2,MoE-DP=2,decode``) names it in every output,
item id and baseline; its ``label`` is msmodeling's spelling of the layout.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator import Mode, ParallelConfig

_PHASE_NAMES = {Mode.AGG: "agg", Mode.DISAGG_PREFILL: "prefill", Mode.DISAGG_DECODE: "decode"}


@dataclass(frozen=True)
class Phase:
    """agg, or one phase of disaggregated serving, with the limits that phase is searched under."""

    mode: Mode
    tpot_limit_ms: float | None
    ttft_limit_ms: float | None

    @property
    def name(self) -> str:
        return _PHASE_NAMES[self.mode]


@dataclass(frozen=True)
class Strategy:
    parallel: ParallelConfig
    phase: Phase
    moe: bool
    repeats: int = 1
    """How many times msmodeling searches this layout (a dense model, once per EP size)."""
    mtp: int = 0
    """MTP draft tokens per decode step (msmodeling enumerates them after the layout)."""

    @property
    def key(self) -> str:
        return strategy_key(self.parallel, self.phase.name, self.moe, self.mtp)

    @property
    def label(self) -> str:
        label = self.parallel.label(self.moe)
        return f"{label} | MTP={self.mtp}" if self.mtp else label


def strategy_key(parallel: ParallelConfig, phase: str, moe: bool, mtp: int = 0) -> str:
    key = f"TP={parallel.tp}"
    if moe:
        key += f",EP={parallel.ep}"
        if parallel.moe_dp != 1:
            key += f",MoE-DP={parallel.moe_dp}"
    if mtp:
        key += f",MTP={mtp}"
    return key if phase == "agg" else f"{key},{phase}"
