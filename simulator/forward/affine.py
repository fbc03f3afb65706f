"""Linear forms over a forward's features, and their evaluation over many forward shapes.

An op's compute seconds, bytes moved and collective times are affine in the features of the
forward it runs in (``features.py``): ``Affine({"tokens": 10240.0, "one": 5e-6})``. They add and
scale like numbers, so a collective's formula (``comm.py``) is written once for affine forms and
for plain numbers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from simulator.forward.features import FEATURES


class Affine(Mapping[str, float]):
    """An immutable {feature: coefficient} map; ``one`` is the constant term."""

    __slots__ = ("_terms",)

    def __init__(self, terms: Mapping[str, float] | None = None, **named: float) -> None:
        self._terms = {**(terms or {}), **named}

    def __getitem__(self, feature: str) -> float:
        return self._terms[feature]

    def __iter__(self) -> Iterator[str]:
        return iter(self._terms)

    def __len__(self) -> int:
        return len(self._terms)

    def __repr__(self) -> str:
        return f"Affine({self._terms!r})"

    def __add__(self, other: Mapping[str, float] | float) -> Affine:
        terms = dict(self._terms)
        for feature, value in _terms_of(other).items():
            terms[feature] = terms.get(feature, 0.0) + value
        return Affine(terms)

    __radd__ = __add__

    def __mul__(self, factor: float) -> Affine:
        return Affine({feature: value * factor for feature, value in self._terms.items()})

    __rmul__ = __mul__

    def __truediv__(self, divisor: float) -> Affine:
        return Affine({feature: value / divisor for feature, value in self._terms.items()})


def _terms_of(value: Mapping[str, float] | float) -> Mapping[str, float]:
    return value if isinstance(value, Mapping) else {"one": value}


def tokens(width: float) -> Affine:
    """``width`` per token of the forward."""
    return Affine(tokens=float(width))


@dataclass(frozen=True)
class Columns:
    """Several affine forms, evaluated together over many forward shapes (rows of features).

    Only the features some form uses keep a column of coefficients."""

    constant: np.ndarray
    columns: tuple[tuple[int, np.ndarray], ...]

    @classmethod
    def of(cls, forms: list[Mapping[str, float]]) -> Columns:
        matrix = np.array([[form.get(f, 0.0) for f in FEATURES] for form in forms], dtype=float)
        used = tuple(
            (i, matrix[:, i].copy()) for i in range(1, len(FEATURES)) if np.any(matrix[:, i])
        )
        return cls(matrix[:, 0].copy(), used)

    def __call__(self, features: np.ndarray) -> np.ndarray:
        """[n shapes, n forms] values for features [n shapes, len(FEATURES)]."""
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
