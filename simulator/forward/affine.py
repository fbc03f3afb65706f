"""Linear forms over a forward's features.

An op's compute seconds, bytes moved and collective times are affine in the features of the
forward it runs in (``features.py``): ``Affine({"tokens": 10240.0, "one": 5e-6})``. They add and
scale like numbers, so a collective's formula (``comm.py``) is written once for affine forms and
for plain numbers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping


class Affine(Mapping[str, float]):
    """An immutable {feature: coefficient} map; ``one`` is the constant term."""

    __slots__ = ("_terms",)

    def __init__(self, terms: Mapping[str, float] | None = None, **named: float) -> None:
        self._terms = {**terms, **named} if terms else named

    @classmethod
    def of(cls, value: Mapping[str, float]) -> Affine:
        return value if isinstance(value, Affine) else cls(value)

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
        return _made(terms)

    __radd__ = __add__

    def __mul__(self, factor: float) -> Affine:
        return _made({feature: value * factor for feature, value in self._terms.items()})

    __rmul__ = __mul__

    def __truediv__(self, divisor: float) -> Affine:
        return _made({feature: value / divisor for feature, value in self._terms.items()})


def _made(terms: dict[str, float]) -> Affine:
    """An Affine owning ``terms``, a dict no one else holds."""
    out = Affine.__new__(Affine)
    out._terms = terms
    return out


def _terms_of(value: Mapping[str, float] | float) -> Mapping[str, float]:
    return value if isinstance(value, Mapping) else {"one": value}


def tokens(width: float) -> Affine:
    """``width`` per token of the forward."""
    return Affine(tokens=float(width))
