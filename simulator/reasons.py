"""Why a batch is infeasible: msmodeling's early-stop reasons, in its order."""

from __future__ import annotations

from enum import Enum


class StopReason(str, Enum):
    """Why a batch is infeasible, in msmodeling's early-stop order and names."""

    PREFILL_OOM = "prefill_oom"
    DECODE_OOM = "decode_oom"
    TPOT_LIMIT = "tpot_limit"
    TTFT_LIMIT = "ttft_limit"
    WEIGHTS_OOM = "weights_oom"
    """Never a probe's verdict: what a search concludes when the weights and reserved memory
    alone exceed the device, so that no batch and no token budget can fit."""

    @property
    def is_memory(self) -> bool:
        return self in (StopReason.PREFILL_OOM, StopReason.DECODE_OOM, StopReason.WEIGHTS_OOM)

    def __str__(self) -> str:
        return self.value


REASONS = (
    StopReason.PREFILL_OOM,
    StopReason.DECODE_OOM,
    StopReason.TPOT_LIMIT,
    StopReason.TTFT_LIMIT,
)
"""A probe's possible verdicts; ``SweepResult.reason_code`` is 1 + the index here (0: feasible)."""
