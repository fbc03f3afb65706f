"""Forward latency as the sum of per-op roofline times (serving model §3.1-3.2).

Each op costs max(compute, memory, communication) plus its fixed cost, all affine in the
forward's features. The sum is written once over ``num``: one forward shape in Python numbers
(a probe) or many in numpy arrays (a sweep) take the same operations in the same order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from simulator.deployment import Deployment
from simulator.forward.affine import Affine
from simulator.forward.features import FEATURES, Features
from simulator.forward.inventory import build_ops
from simulator.forward.moe import MoELayerCost
from simulator.forward.ops import Op
from simulator.numbers import VECTOR, Numbers


@dataclass(frozen=True)
class Form:
    """An affine form ready to evaluate: its constant and its (feature index, coefficient)
    terms in ``FEATURES`` order, the constant's feature ``one`` left out."""

    constant: float
    terms: tuple[tuple[int, float], ...]

    @classmethod
    def of(cls, affine: Mapping[str, float]) -> Form:
        terms = tuple(
            (index - 1, float(affine[name]))
            for index, name in enumerate(FEATURES)
            if index and affine.get(name, 0.0)
        )
        return cls(float(affine.get("one", 0.0)), terms)


def _memory_s(op: Op, bandwidth: float) -> Affine:
    return op.memory_bytes / bandwidth


def _always_memory_bound(op: Op, bandwidth: float) -> bool:
    """Compute never exceeds memory time when every feature's compute cost is below its bytes'."""
    memory = _memory_s(op, bandwidth)
    return op.collective is None and all(
        value <= memory.get(feature, 0.0) for feature, value in op.compute_s.items()
    )


KEPT_ROOFLINES = 64
_kept: dict[tuple, Roofline] = {}


def roofline_of(dep: Deployment) -> Roofline:
    """The roofline of a deployment's forwards, shared by deployments that differ only in
    lengths, limits, phase or token budget (the phases of one layout, the budget retries)."""
    key = dep.forward_key
    if key not in _kept:
        if len(_kept) >= KEPT_ROOFLINES:
            _kept.clear()
        _kept[key] = Roofline(dep)
    return _kept[key]


def forget_rooflines() -> None:
    _kept.clear()


class Roofline:
    """The op table of one deployment, ready to time forward shapes.

    Ops that are memory-bound for every shape have affine times, so they collapse into one form
    together with every op's fixed cost; only ops whose bound can switch (matmuls, attention)
    and collectives keep forms of their own. A feature that is zero in every shape (decode
    shapes have no prefill features) adds exactly 0.0 to a form, so it is skipped.
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
        self._switching = [float(op.count) for op in switching]
        self._collectives = [float(op.count) for op in collectives]
        self._forms = [Form.of(flat)]
        for op in switching:
            self._forms += [Form.of(op.compute_s), Form.of(_memory_s(op, bandwidth))]
        for op in collectives:
            first, second = op.collective.first, op.collective.second
            self._forms += [Form.of(first), Form.of(second), Form.of(_memory_s(op, bandwidth))]
        self._moe = MoELayerCost(dep) if dep.model.is_moe else None
        self._columns = None
        self._moe_layers = dep.model.moe_layers + (
            dep.num_mtp_tokens if dep.model.mtp_block_is_moe else 0
        )

    def latency_s(self, features: Features, num: Numbers = VECTOR):
        """Forward latency in seconds: a number for one shape's features, else an array."""
        if not num.is_scalar:
            return self._columns_s(features)
        present = [bool(num.any(value)) for value in features]
        one = num.full(features.tokens, 1.0)
        values = []
        for form in self._forms:
            out = one * form.constant
            for index, coefficient in form.terms:
                if present[index]:
                    out = out + features[index] * coefficient
            values.append(out)
        total = values[0]
        at = 1
        for count in self._switching:
            total = total + count * num.maximum(values[at], values[at + 1])
            at += 2
        for count in self._collectives:
            fastest = num.minimum(values[at], values[at + 1])
            total = total + count * num.maximum(fastest, values[at + 2])
            at += 3
        if self._moe is not None:
            total = total + self._moe_layers * self._moe.latency_s(features.tokens, num)
        return total

    def _columns_s(self, features: Features):
        """Many shapes at once, in the probe's IEEE operations and order (``columns.py``)."""
        import numpy as np

        columns = self._vector()
        tokens = np.asarray(features.tokens, dtype=np.float64)
        used = [np.broadcast_to(features[at], tokens.shape) for at in columns.features]
        table = np.stack([np.ones_like(tokens), *used], axis=1)
        return self._with_moe(columns.of_columns(table), tokens)

    def table_s(self, table):
        """The latency of each row of a table (a chunk plan's) whose leading columns are the
        features in ``FEATURES`` order, from ``one``; a feature past them is 0 in every row."""
        import numpy as np

        columns = self._vector()
        width = table.shape[1]
        if columns.table_columns[-1] >= width:
            zero = np.zeros(len(table))
            features = Features(*(table[:, at] if at < width else zero
                                  for at in range(1, len(FEATURES))))  # fmt: skip
            return self._columns_s(features)
        seconds = columns.of_table(table)
        return self._with_moe(seconds, table[:, 1].astype(np.float64) if self._moe else None)

    def _with_moe(self, seconds, tokens):
        if self._moe is None:
            return seconds
        return seconds + self._moe_layers * self._moe.latency_s(tokens, VECTOR)

    def _vector(self):
        """The forms laid out for numpy (``columns.py``, which imports it: a probe never does)."""
        if self._columns is None:
            from simulator.forward.columns import Columns

            self._columns = Columns(self._forms, self._switching, self._collectives)
        return self._columns
