"""The roofline of many forward shapes at once (a sweep's, a chunk plan's), in numpy, with the
IEEE operations a probe makes in Python numbers and in its order (``roofline.py``).

Every op's time is laid out as three forms, ``max(min(x, y), z)``: a collective's
``max(min(first, second), memory)``; a matmul's or attention's ``max(compute, memory)`` (``y``
the constant +inf); the sum of the always-memory-bound ops ``flat`` (``y`` +inf, ``z`` -inf).
A form is its constant plus its terms in ``FEATURES`` order, each ``feature x coefficient``
(one gather of the features each form uses, padded with a zero coefficient that adds an exact
0.0); the ops' times, each times its count (the flat sum's is 1), are summed left to right
(``add.accumulate``). About ten numpy calls, whatever the number of ops or of shapes.
"""

from __future__ import annotations

import numpy as np

INF = float("inf")


class Columns:
    """The forms of one roofline, ready to time shapes given as columns."""

    def __init__(self, forms, switching: list[float], collectives: list[float]) -> None:
        """``forms``: the roofline's (flat, then compute and memory per switching op, then
        first, second and memory per collective), each with ``constant`` and ``terms``."""
        k = len(switching)
        triples = [(forms[0], INF, -INF)]
        triples += [(forms[1 + 2 * j], INF, forms[2 + 2 * j]) for j in range(k)]
        at = 1 + 2 * k
        triples += [tuple(forms[at + 3 * j : at + 3 * j + 3]) for j in range(len(collectives))]
        layout = [form for triple in triples for form in triple]
        used = sorted({index for form in layout if not isinstance(form, float)
                       for index, _ in form.terms})  # fmt: skip
        self.features = used
        """The ``Features`` fields any form uses; the shapes' columns are ``one``, then these."""
        self.table_columns = np.array([0, *(index + 1 for index in used)])
        """Those columns in a table whose columns are ``FEATURES`` (a chunk plan's)."""
        slots = max(1, *(len(f.terms) for f in layout if not isinstance(f, float)))
        index = np.zeros((slots, len(layout)), dtype=np.int64)
        coefficients = np.zeros((slots, len(layout)))
        for column, form in enumerate(layout):
            for slot, (feature, coefficient) in enumerate(getattr(form, "terms", ())):
                index[slot, column] = 1 + used.index(feature)
                coefficients[slot, column] = coefficient
        self._constants = np.array([getattr(f, "constant", f) for f in layout])
        self._index, self._coefficients = index, coefficients
        self._table_index = self.table_columns[index]
        self._counts = np.array([1.0, *switching, *collectives])

    def of_table(self, table) -> np.ndarray:
        """Seconds of each row of a table whose leading columns are ``FEATURES`` (from
        ``one``) and hold every used feature."""
        return self._seconds(table[:, self._table_index].astype(np.float64))

    def of_columns(self, columns) -> np.ndarray:
        """Seconds of shapes given as a (shapes x (``one``, ``features``)) float table."""
        return self._seconds(columns[:, self._index])

    def _seconds(self, gathered) -> np.ndarray:
        terms = gathered * self._coefficients
        values = self._constants + terms[:, 0]
        for slot in range(1, terms.shape[1]):
            values = values + terms[:, slot]
        ops = np.maximum(np.minimum(values[:, 0::3], values[:, 1::3]), values[:, 2::3])
        return np.add.accumulate(ops * self._counts, axis=1)[:, -1]
