"""The scenario file format as a tree of fields, for the loader, the JSON Schema and the template.

The ``deployment`` mapping is generated from the request's knob table (``harness/request``): each
knob is a key of its own name, so a new deployment knob appears in scenario files without an
edit here. Leaves carry a knob kind (``harness/request/kinds.py``), which parses and bounds their
values; mappings of search names keep a format of their own (``params``, ``misses``,
``str_map``).
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.request import Declared, Kind, request_knobs
from harness.request.kinds import Items, Number, Switch, Text
from harness.scenarios.model import DEFAULT_TOLERANCE

MAPPINGS = {
    "mapping": "a mapping",
    "params": "a mapping of search name to parameters",
    "misses": "a mapping of search name to a reason, or to {strategy key: reason}",
    "str_map": "a mapping of search name to search name",
}
TEXTS = Items(Text(), non_empty=True)


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind | str
    """A knob kind for a value, or one of ``MAPPINGS``."""
    description: str
    default: object = None
    required: bool = False
    nullable: bool = False
    children: tuple[Field, ...] = ()
    example: object = None
    knob: Declared | None = None
    """The request field this scenario field fills, for deployment fields."""

    @property
    def expected(self) -> str:
        return self.kind.expected if isinstance(self.kind, Kind) else MAPPINGS[self.kind]


def _knob_field(declared: Declared) -> Field:
    knob = declared.knob
    flag = f" ({declared.flag})" if declared.flag and declared.flag.startswith("--") else ""
    return Field(
        name=declared.name,
        kind=declared.kind,
        description=f"{knob.help[0].upper()}{knob.help[1:]}{flag}.",
        default=declared.file_default(),
        required=declared.required,
        nullable=knob.nullable,
        example=knob.example,
        knob=declared,
    )


def _deployment_fields() -> tuple[Field, ...]:
    """A key per knob; a knob with a ``section`` is a key of that mapping instead, and the
    switch named like the section is the mapping itself (written: on)."""
    out = []
    for declared in request_knobs():
        section = declared.knob.section
        if section is None:
            out.append(_knob_field(declared))
        elif section == declared.name:
            members = tuple(
                _knob_field(d)
                for d in request_knobs()
                if d.knob.section == section and d.name != section
            )
            out.append(
                Field(
                    section,
                    "mapping",
                    f"{_knob_field(declared).description} Writing this mapping turns it on.",
                    children=members,
                    knob=declared,
                )
            )
    return tuple(out)


DEPLOYMENT = Field(
    "deployment",
    "mapping",
    "What is served, where, and under which limits (msmodeling's throughput-optimizer flags).",
    required=True,
    children=_deployment_fields(),
)

SEARCHES = Field(
    "searches",
    "mapping",
    "The baseline search, the candidates compared with it, and their parameters.",
    default={},
    children=(
        Field(
            "baseline",
            Text(),
            "Registered search the others are judged against.",
            default="exponential",
        ),
        Field(
            "candidates",
            TEXTS,
            "Registered searches under test (at least one).",
            default=["two_point", "certified_secant"],
        ),
        Field(
            "oracle", Text(), "Registered search that knows the true answer.", default="exhaustive"
        ),
        Field(
            "params",
            "params",
            "Per-search parameters, e.g. two_point: {slo_safety_factor: 1.5}.",
            default={},
        ),
    ),
)

EXPECT = Field(
    "expect",
    "mapping",
    "What the candidates must achieve.",
    default={},
    children=(
        Field(
            "tolerance",
            Number(minimum=0, below=1),
            "Allowed relative difference of a candidate's batch size from the baseline's, below 1 "
            "(1 would accept any answer from 0 to twice the baseline's).",
            default=DEFAULT_TOLERANCE,
        ),
        Field(
            "fewer_probes",
            Switch(),
            "Candidates spend fewer probes than the baseline in total.",
            default=True,
        ),
        Field(
            "never_more_probes",
            Switch(),
            "Candidates never spend more probes than the baseline on any single parallel strategy.",
            default=True,
        ),
        Field(
            "no_more_seconds",
            Switch(),
            "Candidates spend no more projected msmodeling seconds than the baseline, over a "
            "whole run (start-up, model builds, forwards with msmodeling's caches and compiles).",
            default=True,
        ),
        Field(
            "fewer_seconds",
            Switch(),
            "Candidates spend fewer projected msmodeling seconds than the baseline, over a "
            "whole run.",
            default=False,
        ),
        Field(
            "more_probes_allowed_at",
            Items(Text(), distinct=True),
            "Strategies (item keys such as TP=1 or TP=2,EP=4,decode) where candidates may spend "
            "more probes than the baseline, with the reason in a comment.",
            default=[],
        ),
        Field(
            "known_misses",
            "misses",
            "Candidates known to miss the baseline's answer, with the reason: "
            "{search: reason} on every strategy, or {search: {strategy key: reason}}. The "
            "answers gate passes while the miss happens and fails once it stops (strict xfail).",
            default={},
        ),
        Field(
            "same_probes_as",
            "str_map",
            "Searches that must probe exactly as another does, strategy by strategy, e.g. "
            "{msmodeling:exponential: exponential}: msmodeling's own code against our replica.",
            default={},
        ),
    ),
)

ROOT = Field(
    "scenario",
    "mapping",
    "A searchbench scenario: one deployment, the searches to compare, and the expectations.",
    children=(
        Field("description", Text(), "One line for humans.", default=""),
        DEPLOYMENT,
        SEARCHES,
        EXPECT,
    ),
)

RENAMED = {
    "deployment.limits": "tpot_limit_ms and ttft_limit_ms",
    "deployment.quantization": "quantize_linear_action and quantize_attention_action",
    "deployment.mode": "disagg: true (or leave it out for agg)",
}
"""Keys of the first format, each now spelled as its knob's name."""
