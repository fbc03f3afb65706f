"""The scenario file format as a tree of fields, for the loader, the JSON Schema and the template.

The ``deployment`` mapping is generated from the request's knobs (``harness/request``), so a new
deployment knob appears in scenario files without an edit here.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.request import Declared, Kind, request_knobs


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    description: str
    default: object = None
    required: bool = False
    nullable: bool = False
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    exclusive_minimum: bool = False
    below: float | None = None
    """An exclusive maximum."""
    distinct: bool = False
    """A list whose items must differ."""
    maximum: float | None = None
    non_empty: bool = False
    children: tuple[Field, ...] = ()
    example: object = None
    knob: Declared | None = None
    """The request field this scenario field fills, for deployment fields."""


KINDS = {
    "str": "a string",
    "int": "an integer",
    "number": "a number",
    "bool": "true or false",
    "int_list": "a list of integers",
    "number_list": "a list of numbers",
    "str_list": "a list of strings",
    "mapping": "a mapping",
    "params": "a mapping of search name to parameters",
    "misses": "a mapping of search name to a reason, or to {strategy key: reason}",
    "str_map": "a mapping of search name to search name",
}

_FILE_KIND = {
    Kind.STR: "str",
    Kind.INT: "int",
    Kind.NUMBER: "number",
    Kind.LIMIT: "number",
    Kind.BOOL: "bool",
    Kind.SIZES: "int_list",
    Kind.RANGE: "int_list",
    Kind.COUNTS: "int_list",
    Kind.RATES: "number_list",
}

_GROUPS = {
    "limits": "SLOs in milliseconds; omit one (or write .inf) for no limit.",
    "quantization": "Linear-weight and KV-cache quantization.",
}


def _knob_field(declared: Declared, name: str) -> Field:
    knob = declared.knob
    values = knob.scenario_values
    flag = f" ({knob.flags[0]})" if knob.flags and knob.flags[0].startswith("--") else ""
    return Field(
        name=name,
        kind="str" if values else _FILE_KIND[knob.kind],
        description=f"{knob.help[0].upper()}{knob.help[1:]}{flag}.",
        default=None if knob.scenario_required else declared.scenario_default,
        required=knob.scenario_required,
        nullable=knob.nullable,
        choices=tuple(values) if values else knob.choices,
        minimum=None if knob.kind is Kind.RANGE else knob.minimum,
        maximum=knob.maximum,
        exclusive_minimum=knob.exclusive_minimum,
        distinct=knob.kind in (Kind.SIZES, Kind.COUNTS),
        non_empty=knob.kind in (Kind.COUNTS, Kind.RATES),
        example=knob.example,
        knob=declared,
    )


def deployment_children() -> tuple[Field, ...]:
    """The deployment mapping's fields, grouped by the knobs' dotted scenario paths."""
    top: list[Field | str] = []
    groups: dict[str, list[Field]] = {}
    for declared in request_knobs():
        path = declared.knob.scenario
        if path is None:
            continue
        head, _, leaf = path.partition(".")
        if not leaf:
            top.append(_knob_field(declared, head))
            continue
        if head not in groups:
            groups[head] = []
            top.append(head)
        groups[head].append(_knob_field(declared, leaf))
    return tuple(
        item
        if isinstance(item, Field)
        else Field(item, "mapping", _GROUPS[item], default={}, children=tuple(groups[item]))
        for item in top
    )


DEPLOYMENT = Field(
    "deployment",
    "mapping",
    "What is served, where, and under which limits (msmodeling's throughput-optimizer flags).",
    required=True,
    children=deployment_children(),
)

SEARCHES = Field(
    "searches",
    "mapping",
    "The baseline search, the candidates compared with it, and their parameters.",
    default={},
    children=(
        Field(
            "baseline",
            "str",
            "Registered search the others are judged against.",
            default="exponential",
        ),
        Field(
            "candidates",
            "str_list",
            "Registered searches under test (at least one).",
            default=["two_point", "certified_secant"],
            non_empty=True,
        ),
        Field(
            "oracle", "str", "Registered search that knows the true answer.", default="exhaustive"
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
            "number",
            "Allowed relative difference of a candidate's batch size from the baseline's, below 1 "
            "(1 would accept any answer from 0 to twice the baseline's).",
            default=0.02,
            minimum=0,
            below=1,
        ),
        Field(
            "fewer_probes",
            "bool",
            "Candidates spend fewer probes than the baseline in total.",
            default=True,
        ),
        Field(
            "never_more_probes",
            "bool",
            "Candidates never spend more probes than the baseline on any single parallel strategy.",
            default=True,
        ),
        Field(
            "more_probes_allowed_at",
            "str_list",
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
        Field("description", "str", "One line for humans.", default=""),
        DEPLOYMENT,
        SEARCHES,
        EXPECT,
    ),
)
