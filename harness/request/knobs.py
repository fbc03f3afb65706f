"""How a request field shows itself outside Python: its CLI flags, its scenario key, its checks.

Every deployment knob is declared once, as a field of ``OptimizerRequest`` carrying a ``Knob`` in
its metadata. The CLI flags, the scenario loader, the JSON Schema and the template all read that
one declaration, so a new knob is one field here and its meaning in the simulator.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()


class Kind(str, Enum):
    """A knob's value type, as CLI flags and scenario files spell it."""

    STR = "str"
    INT = "int"
    NUMBER = "number"
    LIMIT = "limit"
    """A number in milliseconds where infinity means no limit (msmodeling accepts ``inf``)."""
    BOOL = "bool"
    SIZES = "sizes"
    """A list of parallel sizes: absent, empty (powers of two up to N), or explicit."""
    RANGE = "range"
    """msmodeling's --batch-range: MIN MAX, or MAX alone for 1..MAX."""
    COUNTS = "counts"
    """Candidate counts to search over (each >= 0, distinct); absent for the default alone."""
    RATES = "rates"
    """A list of fractions in [0, 1]."""


@dataclass(frozen=True)
class Knob:
    """Metadata of one request field."""

    help: str
    kind: Kind
    flags: tuple[str, ...] = ()
    scenario: str | None = None
    simulator: str | None = None
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    nullable: bool = False
    example: object = None
    scenario_required: bool = False
    scenario_default: object = UNSET
    scenario_values: Mapping[str, object] | None = None
    """For a field stored under other words in scenarios: file value -> request value."""
    per_probe: bool = True
    """The knob shapes a single probe (``searchbench probe`` takes it), not the search space."""


@dataclass(frozen=True)
class Declared:
    """A knob with its field's name and default, as the readers of the table see it."""

    name: str
    knob: Knob
    default: object
    required: bool

    @property
    def scenario_default(self) -> object:
        if self.knob.scenario_default is not UNSET:
            return self.knob.scenario_default
        values = self.knob.scenario_values
        if values:
            return next(key for key, value in values.items() if value == self.default)
        return None if self.required else _plain(self.default)


def knob(
    help: str,
    kind: Kind,
    *,
    default: Any = dataclasses.MISSING,
    **metadata: Any,
) -> Any:
    """A dataclass field that declares a deployment knob; omit ``default`` for a required one."""
    declared = Knob(help=help, kind=kind, **metadata)
    return dataclasses.field(default=default, metadata={"knob": declared})


def knobs_of(cls: type) -> Iterator[Declared]:
    for field in dataclasses.fields(cls):
        declared = field.metadata.get("knob")
        if declared is None:
            continue
        required = field.default is dataclasses.MISSING
        yield Declared(field.name, declared, None if required else field.default, required)


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value
