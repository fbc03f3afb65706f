"""What one probe tells a search, and what a sweep of many batch sizes tells the oracle."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from harness.door import StopReason

if TYPE_CHECKING:
    import numpy as np


class Observation(NamedTuple):
    """What one probe tells a search: the verdict and the metrics estimates can use."""

    batch_size: int
    feasible: bool
    reason: StopReason | None
    tpot_ms: float | None
    ttft_ms: float | None
    available_gib: float
    per_request_gib: float
    tokens_per_s: float = 0.0

    @property
    def memory_after_weights_gib(self) -> float:
        """Memory left for KV cache and activations, the same at every batch size.

        msmodeling defines per-request memory as (total - weights - reserved - available) / batch,
        so this is that definition solved for what the batch shares.
        """
        return self.available_gib + self.batch_size * self.per_request_gib


@dataclass(frozen=True)
class SweepObservations:
    """Column arrays over many batch sizes, as the vectorized sweep returns them."""

    batch_size: np.ndarray
    feasible: np.ndarray
    reason: np.ndarray
    """The stop reason's name per batch size, '' where feasible."""
    tpot_ms: np.ndarray
    ttft_ms: np.ndarray
    available_gib: np.ndarray
    per_request_gib: np.ndarray
    tokens_per_s: np.ndarray

    def observation(self, index: int) -> Observation:
        def optional(value: float) -> float | None:
            value = float(value)
            return None if math.isnan(value) else value

        return Observation(
            batch_size=int(self.batch_size[index]),
            feasible=bool(self.feasible[index]),
            reason=stop_reason(self.reason[index]),
            tpot_ms=optional(self.tpot_ms[index]),
            ttft_ms=optional(self.ttft_ms[index]),
            available_gib=float(self.available_gib[index]),
            per_request_gib=float(self.per_request_gib[index]),
            tokens_per_s=float(self.tokens_per_s[index]),
        )

    def take(self, index) -> SweepObservations:
        return SweepObservations(*(getattr(self, f)[index] for f in _FIELDS))

    def only_memory_failures(self) -> bool:
        """Every batch size runs out of memory (so no larger one can fit)."""
        return set(self.reason.tolist()) <= _MEMORY_NAMES


def stop_reason(value: str | None) -> StopReason | None:
    return StopReason(value) if value else None


_FIELDS = tuple(SweepObservations.__dataclass_fields__)
_MEMORY_NAMES = {StopReason.PREFILL_OOM.value, StopReason.DECODE_OOM.value}
