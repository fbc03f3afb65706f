"""Synthetic probe targets: feasibility predicates with known answers, for property tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.probe import Observation, SweepObservations


@dataclass(frozen=True)
class Curve:
    """TPOT = base + scale * shape(batch); memory holds ``capacity / per_request`` requests.

    Shapes: linear, convex (power > 1), concave (power < 1), stepped (waves of ``step``), flat.
    """

    base_ms: float
    scale_ms: float
    shape: str
    power: float = 1.0
    step: int = 1
    per_request_gib: float = 0.1
    capacity_gib: float = 50.0
    cliff: int | None = None

    def tpot(self, batch: np.ndarray) -> np.ndarray:
        b = batch.astype(np.float64)
        if self.shape == "stepped":
            b = np.ceil(b / self.step) * self.step
        elif self.shape == "flat":
            b = np.zeros_like(b)
        elif self.shape in ("convex", "concave"):
            b = b**self.power
        return self.base_ms + self.scale_ms * b

    def available(self, batch: np.ndarray) -> np.ndarray:
        left = self.capacity_gib - self.per_request_gib * batch
        if self.cliff is not None:
            left = np.where(batch > self.cliff, -1.0, left)
        return left


@dataclass(frozen=True)
class SyntheticTarget:
    curve: Curve
    tpot_limit_ms: float | None

    def sweep(self, batch_sizes: np.ndarray) -> SweepObservations:
        batch = np.asarray(batch_sizes, dtype=np.int64)
        tpot = self.curve.tpot(batch)
        available = self.curve.available(batch)
        reason = np.full(batch.shape, "", dtype=object)
        if self.tpot_limit_ms is not None:
            reason[tpot > self.tpot_limit_ms] = "tpot_limit"
        reason[available < 0] = "decode_oom"
        per_request = (self.curve.capacity_gib - available) / batch
        return SweepObservations(
            batch_size=batch,
            feasible=reason == "",
            reason=reason,
            tpot_ms=tpot,
            ttft_ms=np.full(batch.shape, np.nan),
            available_gib=available,
            per_request_gib=per_request,
            tokens_per_s=1000.0 * batch / tpot,
        )

    def __call__(self, batch_size: int) -> Observation:
        return self.sweep(np.array([batch_size])).observation(0)

    def feasible(self, batch_size: int) -> bool:
        return bool(self.sweep(np.array([batch_size])).feasible[0])
