"""The arithmetic the cost model is written in, for one forward shape or for many.

A probe evaluates one batch size in Python numbers; a sweep evaluates thousands at once in numpy
arrays. Every formula of the simulator is written once, over ``num``, and called with ``SCALAR``
or ``VECTOR``: operators (``+ * / // % < ...``) work on both, and the few operations that do not
(``where``, ``maximum``, logical not) are spelled through ``num``. IEEE arithmetic in the same
order gives the same bits either way, so a probe equals its row of a sweep exactly.
"""

from __future__ import annotations

import importlib


class Scalar:
    """Python numbers: a probe's handful of values skips numpy's per-call overhead."""

    is_scalar = True

    @staticmethod
    def maximum(a, b):
        return a if a >= b else b

    @staticmethod
    def minimum(a, b):
        return a if a <= b else b

    @staticmethod
    def where(condition, if_true, if_false):
        return if_true if condition else if_false

    @staticmethod
    def choose(condition, if_true, if_false):
        """Like ``where``, but only the chosen branch is computed (both are callables)."""
        return if_true() if condition else if_false()

    @staticmethod
    def times(count, cost, argument):
        """``count * cost(argument)``, skipping the cost where ``count`` is 0."""
        return count * cost(argument) if count else 0 * 0.0

    @staticmethod
    def negate(condition):
        return not condition

    @staticmethod
    def both(a, b):
        return a and b

    @staticmethod
    def either(a, b):
        return a or b

    @staticmethod
    def as_float(value):
        return float(value)

    @staticmethod
    def full(like, value):
        """``value`` in the shape of ``like``."""
        return value

    @staticmethod
    def any(value) -> bool:
        return value != 0


class Vector:
    """numpy arrays, one element per forward shape or batch size."""

    is_scalar = False

    @staticmethod
    def maximum(a, b):
        return _np().maximum(a, b)

    @staticmethod
    def minimum(a, b):
        return _np().minimum(a, b)

    @staticmethod
    def where(condition, a, b):
        return _np().where(condition, a, b)

    @staticmethod
    def negate(value):
        return _np().logical_not(value)

    @staticmethod
    def both(a, b):
        return _np().logical_and(a, b)

    @staticmethod
    def either(a, b):
        return _np().logical_or(a, b)

    @staticmethod
    def choose(condition, if_true, if_false):
        return _np().where(condition, if_true(), if_false())

    @staticmethod
    def as_float(value):
        np = _np()
        return np.asarray(value, dtype=np.float64)

    @staticmethod
    def full(like, value):
        np = _np()
        return np.full(np.shape(like), value)

    @staticmethod
    def any(value) -> bool:
        return bool(_np().any(value))

    @staticmethod
    def times(count, cost, argument):
        return count * cost(argument)


def _np():
    """numpy, imported by the first sweep: a probe never needs it."""
    return importlib.import_module("numpy")


SCALAR = Scalar
VECTOR = Vector
Numbers = type[Scalar] | type[Vector]
