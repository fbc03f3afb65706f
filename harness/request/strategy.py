"""A strategy: one parallel layout (TP x DP, and EP x MoE-DP for MoE), with its MTP draft count,
in one serving phase, and the limits that phase is searched under.

Its ``key`` (``TP=8``, ``TP=2,EP=4``, ``TP=1,EP=2,MoE-DP=2,MTP=1,decode``,
``TP=8,DCP=2,decode``) names it in every output, item id and baseline; its ``label`` is
msmodeling's spelling of the layout.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.door import ParallelConfig, Phase


@dataclass(frozen=True)
class Strategy:
    parallel: ParallelConfig
    phase: Phase
    moe: bool
    tpot_limit_ms: float | None = None
    ttft_limit_ms: float | None = None
    repeats: int = 1
    """How many times msmodeling searches this layout (a dense model, once per EP size)."""
    num_mtp_tokens: int = 0
    """MTP draft tokens per decode step (msmodeling enumerates them after the layout)."""
    num_devices: int | None = None
    """The devices one instance of this phase runs on, in PD-ratio mode (None: the request's
    num_devices)."""
    dcp: int = 1
    """Decode context parallel ranks (msmodeling enumerates them after MTP, decode only)."""
    draft_label: str = ""
    """msmodeling's speculative-decoding suffix (``DFlash=8/acc=5``); not part of the key."""
    device: str | None = None
    """The device profile, when the request compares several (msmodeling's outer loop, one
    profile after the other); None for the request's one device, which the key leaves out."""

    @property
    def key(self) -> str:
        key = f"{self.device},TP={self.parallel.tp}" if self.device else f"TP={self.parallel.tp}"
        if self.moe:
            key += f",EP={self.parallel.ep}"
            if self.parallel.moe_dp != 1:
                key += f",MoE-DP={self.parallel.moe_dp}"
        if self.num_mtp_tokens:
            key += f",MTP={self.num_mtp_tokens}"
        if self.dcp != 1:
            key += f",DCP={self.dcp}"
        return key if self.phase is Phase.AGG else f"{key},{self.phase.value}"

    @property
    def label(self) -> str:
        label = self.parallel.label(self.moe)
        if self.num_mtp_tokens:
            label += f" | MTP={self.num_mtp_tokens}"
        # msmodeling's format_parallel_label shows DCP only where it is on.
        label = f"{label} | DCP={self.dcp}" if self.dcp != 1 else label
        return f"{label} | {self.draft_label}" if self.draft_label else label

    @property
    def searched(self) -> dict[str, int | str | None]:
        """The deployment's searched values, under their ``Deployment.create`` names."""
        layout = self.parallel
        out: dict[str, int | str | None] = {
            "tp": layout.tp,
            "ep": layout.ep if self.moe else None,
            "moe_dp": layout.moe_dp,
            "num_mtp_tokens": self.num_mtp_tokens,
            "dcp": self.dcp,
        }
        if self.device is not None:
            out["device"] = self.device
        return out


def phase_limits(phase: Phase, tpot_limit_ms, ttft_limit_ms) -> tuple[float | None, float | None]:
    """The limits a phase is searched under: prefill by TTFT alone, decode by TPOT alone."""
    if phase is Phase.PREFILL:
        return None, ttft_limit_ms
    if phase is Phase.DECODE:
        return tpot_limit_ms, None
    return tpot_limit_ms, ttft_limit_ms
