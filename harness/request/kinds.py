"""Knob kinds: how a kind of value is spelled on the command line and in a scenario file, what
it allows, and its JSON Schema. A knob (``knobs.py``) is a name, a kind and its help; the CLI
flags, the scenario loader, the schema, the template and the fuzz all ask the kind.

``parse`` takes a plain value as YAML constructs it (or as a flag's type made it) and returns
the request's value, calling ``fail(message, index)`` on a bad one (``index``: a list item).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from harness.request.spelling import did_you_mean, shown

Fail = Callable[..., NoReturn]


def short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def _got(value: object) -> str:
    return "nothing" if value is None else f"{type(value).__name__} {short(value)}"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class Kind:
    """A scalar kind; subclasses say what they take."""

    expected = "a value"
    json_type = "string"

    def parse(self, value: object, fail: Fail) -> object:
        raise NotImplementedError

    def schema(self) -> dict[str, object]:
        return {"type": self.json_type}

    def flag(self) -> dict[str, object]:
        """argparse options for this kind's flag."""
        return {"type": str}

    def from_flag(self, value: object) -> object:
        return value

    def to_file(self, value: object) -> object:
        return value


@dataclass(frozen=True)
class Text(Kind):
    choices: tuple[str, ...] | None = None
    expected = "a string"

    def parse(self, value: object, fail: Fail) -> str:
        if not isinstance(value, str):
            fail(f"expected {self.expected}, got {_got(value)}")
        if self.choices is not None and value not in self.choices:
            near = did_you_mean(value, self.choices)
            fail(f"{shown(value)} is not allowed ({near}allowed: {', '.join(self.choices)})")
        return value

    def schema(self) -> dict[str, object]:
        out: dict[str, object] = {"type": "string"}
        if self.choices is not None:
            out["enum"] = list(self.choices)
        return out

    def flag(self) -> dict[str, object]:
        return {"type": str, "metavar": "NAME"} if self.choices else {"type": str}


@dataclass(frozen=True)
class Integer(Kind):
    minimum: int | None = None
    maximum: int | None = None
    expected = "an integer"
    json_type = "integer"

    def parse(self, value: object, fail: Fail) -> int:
        if not _is_int(value):
            fail(f"expected {self.expected}, got {_got(value)}{_write_as_integer(value)}")
        _bounded(value, self.minimum, self.maximum, fail)
        return value

    def schema(self) -> dict[str, object]:
        return {"type": "integer", **_bounds(self.minimum, self.maximum)}

    def flag(self) -> dict[str, object]:
        return {"type": int, "metavar": "N"}


def _write_as_integer(value: object) -> str:
    """A hint for a float that holds an integer (``1e3``, ``1024.0``): integer fields take only
    integers, written as digits, so a file means the same to every reader."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return f" (write {int(value)})"
    return ""


@dataclass(frozen=True)
class Number(Kind):
    minimum: float | None = None
    maximum: float | None = None
    below: float | None = None
    """An exclusive maximum."""
    expected = "a number"
    json_type = "number"

    def parse(self, value: object, fail: Fail) -> float:
        if not _is_number(value) or math.isnan(value):
            fail(f"expected {self.expected}, got {'.nan' if _is_number(value) else _got(value)}")
        _bounded(value, self.minimum, self.maximum, fail)
        if self.below is not None and value >= self.below:
            fail(f"must be < {self.below:g}, got {value}")
        return float(value)

    def schema(self) -> dict[str, object]:
        out: dict[str, object] = {"type": "number", **_bounds(self.minimum, self.maximum)}
        if self.below is not None:
            out["exclusiveMaximum"] = self.below
        return out

    def flag(self) -> dict[str, object]:
        return {"type": float, "metavar": "X"}


@dataclass(frozen=True)
class Limit(Kind):
    """Milliseconds where infinity (or nothing) means no limit, as msmodeling accepts ``inf``."""

    expected = "a number"
    json_type = "number"

    def parse(self, value: object, fail: Fail) -> float | None:
        if not _is_number(value) or math.isnan(value):
            fail(f"expected {self.expected}, got {'.nan' if _is_number(value) else _got(value)}")
        if value <= 0:
            fail(f"must be > 0, got {value}")
        return None if math.isinf(value) else float(value)

    def schema(self) -> dict[str, object]:
        return {"type": "number", "exclusiveMinimum": 0}

    def flag(self) -> dict[str, object]:
        return {"type": _limit, "metavar": "MS"}

    def from_flag(self, value: object) -> object:
        return None if value is None or math.isinf(value) else value


def _limit(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected milliseconds or inf, got {text!r}") from None
    if math.isnan(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0 ms (or inf for none), got {text}")
    return value


@dataclass(frozen=True)
class Switch(Kind):
    expected = "true or false"
    json_type = "boolean"

    def parse(self, value: object, fail: Fail) -> bool:
        if not isinstance(value, bool):
            fail(f"expected {self.expected}, got {_got(value)}")
        return value

    def flag(self) -> dict[str, object]:
        return {"action": "store_true"}


@dataclass(frozen=True)
class Items(Kind):
    """A list of one scalar kind: ``distinct`` items, ``non_empty``, each parsed by ``item``."""

    item: Kind = Integer()
    distinct: bool = False
    non_empty: bool = False
    json_type = "array"

    @property
    def expected(self) -> str:  # type: ignore[override]
        return f"a list of {self.item.expected.split(' ', 1)[1]}s"

    def parse(self, value: object, fail: Fail) -> tuple:
        if not isinstance(value, (list, tuple)):
            fail(f"expected {self.expected}, got {_got(value)}")
        if self.non_empty and not value:
            fail("give at least one")
        items = []
        for index, item in enumerate(value):
            items.append(self.item.parse(item, lambda message, i=index: fail(message, i)))
        if self.distinct:
            seen: set = set()
            for index, item in enumerate(items):
                if item in seen:
                    fail(f"{item} is listed twice", index)
                seen.add(item)
        return tuple(items)

    def schema(self) -> dict[str, object]:
        out: dict[str, object] = {"type": "array", "items": self.item.schema()}
        if self.distinct:
            out["uniqueItems"] = True
        if self.non_empty:
            out["minItems"] = 1
        return out

    def flag(self) -> dict[str, object]:
        options = self.item.flag()
        return {**options, "nargs": "+" if self.non_empty else "*"}

    def from_flag(self, value: object) -> object:
        return None if value is None else tuple(value)

    def to_file(self, value: object) -> object:
        return None if value is None else list(value)


@dataclass(frozen=True)
class Range(Items):
    """msmodeling's --batch-range: MIN MAX on the command line (or MAX alone for 1..MAX);
    ``[min, max]`` in a file."""

    item: Kind = Integer(minimum=1)

    def parse(self, value: object, fail: Fail) -> tuple[int, int]:
        items = super().parse(value, fail)
        if len(items) != 2 or not items[0] <= items[1]:
            fail(f"expected [min, max], 1 <= min <= max, got {list(items)}")
        return items[0], items[1]

    def schema(self) -> dict[str, object]:
        return {**super().schema(), "minItems": 2, "maxItems": 2}

    def flag(self) -> dict[str, object]:
        return {**self.item.flag(), "nargs": "+"}

    def from_flag(self, value: object) -> object:
        if value is None:
            return None
        if len(value) > 2:
            raise argparse.ArgumentTypeError(f"give MIN MAX or MAX, got {value}")
        return (1, value[0]) if len(value) == 1 else (value[0], value[1])


@dataclass(frozen=True)
class OneOrMore(Items):
    """One value or a list of distinct ones (msmodeling's ``nargs="+"``, ``--device A B``); one
    value in a file reads as a list of one and is written back alone."""

    distinct: bool = True
    non_empty: bool = True
    expected = property(lambda self: f"{self.item.expected} or {Items.expected.fget(self)}")
    choices = property(lambda self: getattr(self.item, "choices", None))

    def parse(self, value: object, fail: Fail) -> tuple:
        if isinstance(value, (list, tuple)) and len(value) != 1:
            return super().parse(value, fail)
        one = value[0] if isinstance(value, (list, tuple)) else value
        return (self.item.parse(one, fail),)  # one value's errors read as they always did

    def schema(self) -> dict[str, object]:
        return {"oneOf": [self.item.schema(), super().schema()]}

    def to_file(self, value: object) -> object:
        return None if value is None else value[0] if len(value) == 1 else list(value)


def _bounded(value: float, minimum: float | None, maximum: float | None, fail: Fail) -> None:
    if minimum is not None and value < minimum:
        fail(f"must be >= {_bound(minimum)}, got {value}")
    if maximum is not None and value > maximum:
        fail(f"must be <= {_bound(maximum)}, got {value}")


def _bound(bound: float) -> str:
    return f"{bound:,}" if isinstance(bound, int) else f"{bound:g}"


def _bounds(minimum: float | None, maximum: float | None) -> dict[str, float]:
    return {k: v for k, v in (("minimum", minimum), ("maximum", maximum)) if v is not None}
