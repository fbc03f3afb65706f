"""Forward latency as the sum of per-op roofline times (serving model §3.1-3.2), vectorized.

Each op costs max(compute, memory, communication) plus its fixed cost. Everything is evaluated
element-wise over a batch of forward shapes, so one shape alone and the same shape inside a sweep
give bit-identical results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.deployment import Deployment
from simulator.moe import MoELayerCost
from simulator.ops import FEATURES, Op, build_ops

TOKENS = FEATURES.index("tokens")


@dataclass(frozen=True)
class _Affine:
    """Coefficients [n_columns, n_features], restricted to the features any column uses."""

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
        out = features[:, 0:1] * self.constant
        term = np.empty_like(out)
        # A feature that is zero in every row adds exactly 0.0 (decode rows have no prefill
        # features), so skipping it changes no bit and saves its numpy calls.
        present = features.any(axis=0).tolist()
        for index, column in self.columns:
            if present[index]:
                np.multiply(features[:, index : index + 1], column, out=term)
                out += term
        return out


def _memory_s(op: Op, bandwidth: float) -> dict[str, float]:
    return {k: v / bandwidth for k, v in op.memory_bytes.items()}


def _always_memory_bound(op: Op, bandwidth: float) -> bool:
    """Compute never exceeds memory time when every feature's compute cost is below its bytes'."""
    memory = _memory_s(op, bandwidth)
    return op.collective is None and all(
        value <= memory.get(feature, 0.0) for feature, value in op.compute_s.items()
    )


class Roofline:
    """The op table of one deployment, ready to time batches of forward shapes.

    Ops that are memory-bound for every shape have affine times, so they collapse into one
    column together with every op's fixed cost; only ops whose bound can switch (matmuls,
    attention) and collectives keep a column of their own.
    """

    def __init__(self, dep: Deployment) -> None:
        device = dep.device
        self.ops: tuple[Op, ...] = tuple(build_ops(dep))
        static_cost = {
            "mma": device.mma_op_cost_s,
            "gp": device.gp_op_cost_s,
            "comm": device.comm_op_cost_s,
        }
        bandwidth = device.effective_memory_bandwidth
        fixed = [static_cost[op.static] * op.launches for op in self.ops]
        flat: dict[str, float] = {}
        for op, cost in zip(self.ops, fixed, strict=True):
            flat[op.runs_when] = flat.get(op.runs_when, 0.0) + op.count * cost
        switching, collectives = [], []
        for op in self.ops:
            if op.collective is not None:
                collectives.append(op)
            elif _always_memory_bound(op, bandwidth):
                for feature, value in _memory_s(op, bandwidth).items():
                    flat[feature] = flat.get(feature, 0.0) + op.count * value
            else:
                switching.append(op)
        self._switching = len(switching)
        self._collectives = len(collectives)
        self._bounds = _Affine.of(
            [op.compute_s for op in switching]
            + [_memory_s(op, bandwidth) for op in switching]
            + [op.collective.first for op in collectives]
            + [op.collective.second for op in collectives]
            + [_memory_s(op, bandwidth) for op in collectives]
            + [flat]
        )
        self._count = np.array([op.count for op in switching + collectives], dtype=np.float64)
        self._per_op = _Affine.of(
            [op.compute_s for op in self.ops]
            + [_memory_s(op, bandwidth) for op in self.ops]
            + [op.collective.first if op.collective else {} for op in self.ops]
            + [op.collective.second if op.collective else {} for op in self.ops]
        )
        self._per_op_fixed = np.array(fixed)
        self._runs_when = [FEATURES.index(op.runs_when) for op in self.ops]
        self._moe = MoELayerCost(dep) if dep.model.is_moe else None
        self._moe_layers = dep.model.moe_layers + (
            dep.num_mtp_tokens if dep.model.mtp_block_is_moe else 0
        )

    def latency_s(self, features: np.ndarray) -> np.ndarray:
        """Forward latency in seconds for each row of features [n, len(FEATURES)]."""
        bounds = self._bounds(features)
        s, c = self._switching, self._collectives
        seconds = np.empty((bounds.shape[0], s + c))
        np.maximum(bounds[:, :s], bounds[:, s : 2 * s], out=seconds[:, :s])
        if c:
            start = 2 * s
            algorithm = seconds[:, s:]
            np.minimum(
                bounds[:, start : start + c], bounds[:, start + c : start + 2 * c], out=algorithm
            )
            np.maximum(algorithm, bounds[:, start + 2 * c : start + 3 * c], out=algorithm)
        seconds *= self._count
        total = bounds[:, -1] + seconds.sum(axis=1)
        if self._moe is not None:
            total = total + self._moe_layers * self._moe.latency_s(features[:, TOKENS])
        return total

    def breakdown_s(self, features: np.ndarray) -> dict[str, float]:
        """Seconds per op name (all occurrences) for one forward shape, for reports."""
        n = len(self.ops)
        values = self._per_op(features[:1])[0]
        compute, memory = values[:n], values[n : 2 * n]
        first, second = values[2 * n : 3 * n], values[3 * n :]
        out: dict[str, float] = {}
        for i, op in enumerate(self.ops):
            comm = min(first[i], second[i]) if op.collective else 0.0
            fixed = self._per_op_fixed[i] * features[0, self._runs_when[i]]
            seconds = (max(compute[i], memory[i], comm) + fixed) * op.count
            out[op.name] = out.get(op.name, 0.0) + float(seconds)
        if self._moe is not None:
            moe = self._moe_layers * self._moe.latency_s(features[:1, TOKENS])
            out["moe"] = float(moe[0])
        return out
