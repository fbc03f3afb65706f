"""Probe targets that answer from a script, the way msmodeling's tests mock get_inference_info."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from harness.probe import Observation, StopReason, SweepObservations


def observation(
    batch: int,
    *,
    reason: StopReason | None = None,
    tpot: float | None = None,
    ttft: float | None = None,
    available: float = 10.0,
    per_request: float = 0.0,
    tokens_per_s: float = 1.0,
) -> Observation:
    return Observation(
        batch, reason is None, reason, tpot, ttft, available, per_request, tokens_per_s
    )


@dataclass
class ScriptedTarget:
    """Answers each probe with ``script(batch)`` and remembers the order it was asked in."""

    script: Callable[[int], Observation]
    asked: list[int] = field(default_factory=list)

    def __call__(self, batch_size: int) -> Observation:
        self.asked.append(batch_size)
        return self.script(batch_size)

    def sweep(self, batch_sizes: np.ndarray) -> SweepObservations:
        rows = [self.script(int(b)) for b in batch_sizes]
        return SweepObservations(
            batch_size=np.asarray(batch_sizes),
            feasible=np.array([r.feasible for r in rows]),
            reason=np.array([r.reason.value if r.reason else "" for r in rows], dtype=object),
            tpot_ms=np.array([np.nan if r.tpot_ms is None else r.tpot_ms for r in rows]),
            ttft_ms=np.array([np.nan if r.ttft_ms is None else r.ttft_ms for r in rows]),
            available_gib=np.array([r.available_gib for r in rows]),
            per_request_gib=np.array([r.per_request_gib for r in rows]),
            tokens_per_s=np.array([r.tokens_per_s for r in rows]),
        )


def below(limit: int, **feasible_fields) -> Callable[[int], Observation]:
    """Feasible below ``limit``, TPOT-limited from it on."""

    def script(batch: int) -> Observation:
        if batch < limit:
            return observation(batch, **feasible_fields)
        return observation(batch, reason=StopReason.TPOT_LIMIT)

    return script
