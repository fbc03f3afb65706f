"""Forward latency as the sum of per-op roofline times (serving model §3.1-3.2), vectorized.

Each op costs max(compute, memory, communication) plus its fixed cost. Everything is evaluated
element-wise over a batch of forward shapes, so one shape alone and the same shape inside a sweep
give bit-identical results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.deployment import Deployment
from simulator.ops import FEATURES, Op, build_ops


@dataclass(frozen=True)
class _Affine:
    """Coefficients [n_ops, n_features], restricted to the features any op uses."""

    constant: np.ndarray
    columns: tuple[tuple[int, np.ndarray], ...]

    @classmethod
    def of(cls, rows: list[dict[str, float]]) -> _Affine:
        matrix = np.array([[row.get(f, 0.0) for f in FEATURES] for row in rows], dtype=np.float64)
        used = tuple(
            (i, matrix[:, i].copy()) for i in range(1, len(FEATURES)) if np.any(matrix[:, i])
        )
        return cls(matrix[:, 0].copy(), used)

    def __call__(self, features: np.ndarray) -> np.ndarray:
        out = np.broadcast_to(self.constant, (features.shape[0], self.constant.size))
        for index, column in self.columns:
            out = out + features[:, index : index + 1] * column
        return out


class Roofline:
    """The op table of one deployment, ready to time batches of forward shapes."""

    def __init__(self, dep: Deployment) -> None:
        ops = build_ops(dep)
        device = dep.device
        self.ops: tuple[Op, ...] = tuple(ops)
        static_cost = {
            "mma": device.mma_op_cost_s,
            "gp": device.gp_op_cost_s,
            "comm": device.comm_op_cost_s,
        }
        compute_ops = [op for op in ops if op.collective is None]
        comm_ops = [op for op in ops if op.collective is not None]
        bandwidth = device.effective_memory_bandwidth
        self._compute = _Affine.of([op.compute_s for op in compute_ops])
        self._compute_memory = _Affine.of(
            [{k: v / bandwidth for k, v in op.memory_bytes.items()} for op in compute_ops]
        )
        self._compute_fixed = np.array([static_cost[op.static] for op in compute_ops])
        self._compute_count = np.array([op.count for op in compute_ops], dtype=np.float64)
        self._has_comm = bool(comm_ops)
        if comm_ops:
            self._comm_memory = _Affine.of(
                [{k: v / bandwidth for k, v in op.memory_bytes.items()} for op in comm_ops]
            )
            self._comm_first = _Affine.of([op.collective.first for op in comm_ops])
            self._comm_second = _Affine.of([op.collective.second for op in comm_ops])
            self._comm_fixed = np.array([static_cost[op.static] for op in comm_ops])
            self._comm_count = np.array([op.count for op in comm_ops], dtype=np.float64)

    def latency_s(self, features: np.ndarray) -> np.ndarray:
        """Forward latency in seconds for each row of features [n, len(FEATURES)]."""
        compute = np.maximum(self._compute(features), self._compute_memory(features))
        total = ((compute + self._compute_fixed) * self._compute_count).sum(axis=1)
        if self._has_comm:
            comm = np.minimum(self._comm_first(features), self._comm_second(features))
            comm = np.maximum(comm, self._comm_memory(features))
            total = total + ((comm + self._comm_fixed) * self._comm_count).sum(axis=1)
        return total

    def breakdown_s(self, features: np.ndarray) -> dict[str, float]:
        """Seconds per op name for one forward shape: for reports and calibration."""
        single = features[:1]
        out: dict[str, float] = {}
        compute_ops = [op for op in self.ops if op.collective is None]
        times = (
            np.maximum(self._compute(single), self._compute_memory(single)) + self._compute_fixed
        ) * self._compute_count
        for op, value in zip(compute_ops, times[0], strict=True):
            out[op.name] = out.get(op.name, 0.0) + float(value)
        if self._has_comm:
            comm_ops = [op for op in self.ops if op.collective is not None]
            comm = np.maximum(
                np.minimum(self._comm_first(single), self._comm_second(single)),
                self._comm_memory(single),
            )
            for op, value in zip(
                comm_ops, ((comm + self._comm_fixed) * self._comm_count)[0], strict=True
            ):
                out[op.name] = out.get(op.name, 0.0) + float(value)
        return out
