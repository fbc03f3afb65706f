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
        """Many shapes at once, in the probe's IEEE operations and order: the forms are
        built feature by feature over a (shapes x forms) table (a zero coefficient or an
        absent feature adds an exact 0.0) and the ops' times summed left to right
        (``add.accumulate``), so each shape's latency has the bits its probe has. A dozen
        numpy calls, whatever the number of ops: twenty chunks cost about what one does."""
        import numpy as np

        constants, coefficients = self._table()
        tokens = np.asarray(features.tokens, dtype=np.float64)
        values = np.multiply.outer(np.ones_like(tokens), constants)
        for index, coefficient in coefficients:
            values = values + np.multiply.outer(np.asarray(features[index]), coefficient)
        k, c = len(self._switching), len(self._collectives)
        bound = np.maximum(values[:, 1 : 2 * k : 2], values[:, 2 : 2 * k + 1 : 2])
        at = 2 * k + 1
        fastest = np.minimum(values[:, at::3], values[:, at + 1 :: 3])
        collective = np.maximum(fastest, values[:, at + 2 :: 3])
        terms = [values[:, :1], bound * np.array(self._switching)]
        terms.append(collective * np.array(self._collectives).reshape(1, c))
        total = np.add.accumulate(np.concatenate(terms, axis=1), axis=1)[:, -1]
        if self._moe is not None:
            total = total + self._moe_layers * self._moe.latency_s(tokens, VECTOR)
        return total

    def _table(self):
        """The forms as a constants row and, per feature any form uses, a coefficients row."""
        if self._columns is None:
            import numpy as np

            constants = np.array([form.constant for form in self._forms])
            rows = np.zeros((len(FEATURES) - 1, len(self._forms)))
            for at, form in enumerate(self._forms):
                for index, coefficient in form.terms:
                    rows[index, at] = coefficient
            used = [(index, rows[index]) for index in range(len(rows)) if rows[index].any()]
            self._columns = (constants, used)
        return self._columns
