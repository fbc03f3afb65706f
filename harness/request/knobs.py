"""A deployment knob: one field of ``OptimizerRequest`` with its kind, help and flags.

The field's name is the knob's one name: its scenario key, its ``Deployment`` field and its
``Deployment.create`` keyword. Its flags are msmodeling's spelling (``--tpot-limit``), so its
users can paste their command lines. The CLI, the scenario loader, the schema, the template,
the writer and the fuzz all read these rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from harness.request.kinds import Kind


@dataclass(frozen=True)
class Knob:
    help: str
    kind: Kind
    flags: tuple[str, ...] = ()
    """msmodeling's flag first, then accepted aliases; none: not on the command line."""
    deprecated: tuple[str, ...] = ()
    """Spellings msmodeling keeps as hidden aliases that warn (``--tpot-limits``)."""
    nullable: bool = False
    """``null`` (or an absent flag) is a value of its own: automatic, none, or msmodeling's
    default rule."""
    example: object = None
    deployment: bool = True
    """Passed to the simulator's deployment under its own name."""
    searched: str | None = None
    """A searched dimension: the name of the one value a strategy takes from the candidates
    (``tp`` of ``tp_sizes``)."""
    label: str | None = None
    """How a searched value appears in strategy keys and labels (``MTP`` in ``TP=8,MTP=1``)."""
    draws: tuple = ()
    """Values the fuzz draws from, where the fuzz draws this knob on its own."""
    section: str | None = None
    """The scenario mapping (in ``deployment``) this knob is written in, under its own name; the
    switch named like the section is that mapping's presence (``pd_ratio: {prefill_devices:
    4, decode_devices: 8}`` sets ``pd_ratio``, ``prefill_devices`` and ``decode_devices``)."""
    aliases: tuple[str, ...] = ()
    """Other scenario keys for this knob (msmodeling's flag aliases, ``devices``); a file that
    gives two spellings of one knob is refused."""


@dataclass(frozen=True)
class Declared:
    """A knob with its field's name and default, as the readers of the table see it."""

    name: str
    knob: Knob
    default: object
    required: bool

    @property
    def flag(self) -> str | None:
        return self.knob.flags[0] if self.knob.flags else None

    @property
    def kind(self) -> Kind:
        return self.knob.kind

    @property
    def per_probe(self) -> bool:
        """Shapes a single probe's deployment as it is (not a searched candidate list)."""
        return self.knob.deployment and self.knob.searched is None

    def file_default(self) -> object:
        """The default as a scenario file spells it."""
        return None if self.required else self.kind.to_file(self.default)


def knob(help: str, kind: Kind, *, default: Any = dataclasses.MISSING, **row: Any) -> Any:
    """A dataclass field that declares a deployment knob; omit ``default`` for a required one."""
    return dataclasses.field(default=default, metadata={"knob": Knob(help, kind, **row)})


def knobs_of(cls: type) -> Iterator[Declared]:
    for field in dataclasses.fields(cls):
        declared = field.metadata.get("knob")
        if declared is None:
            continue
        required = field.default is dataclasses.MISSING
        yield Declared(field.name, declared, None if required else field.default, required)
