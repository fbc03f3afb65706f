"""Forward latency as the sum of per-op roofline times (serving model §3.1-3.2), vectorized.

Each op costs max(compute, memory, communication) plus its fixed cost. Everything is evaluated
element-wise over a batch of forward shapes, so one shape alone and the same shape inside a sweep
give bit-identical results.
"""

from __future__ import annotations

import numpy as np

from simulator.deployment import Deployment
from simulator.forward.affine import Affine, Columns
from simulator.forward.features import FEATURES, Features
from simulator.forward.inventory import build_ops
from simulator.forward.moe import MoELayerCost
from simulator.forward.ops import Op

TOKENS = FEATURES.index("tokens")


def _memory_s(op: Op, bandwidth: float) -> Affine:
    return op.memory_bytes / bandwidth


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
        flat: dict[str, float] = {}
        for op in self.ops:
            fixed = static_cost[op.static] * op.launches
            flat[op.runs_when] = flat.get(op.runs_when, 0.0) + op.count * fixed
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
        self._bounds = Columns.of(
            [op.compute_s for op in switching]
            + [_memory_s(op, bandwidth) for op in switching]
            + [op.collective.first for op in collectives]
            + [op.collective.second for op in collectives]
            + [_memory_s(op, bandwidth) for op in collectives]
            + [flat]
        )
        self._count = np.array([op.count for op in switching + collectives], dtype=np.float64)
        self._moe = MoELayerCost(dep) if dep.model.is_moe else None
        self._moe_layers = dep.model.moe_layers + (
            dep.num_mtp_tokens if dep.model.mtp_block_is_moe else 0
        )

    def latency_s(self, features: np.ndarray | Features) -> np.ndarray:
        """Forward latency in seconds for each row of features [n, len(FEATURES)]."""
        if isinstance(features, Features):
            features = features.matrix()
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
