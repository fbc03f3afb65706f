"""The JSON Schema for editors and the commented template, both derived from scenario_fields."""

from __future__ import annotations

import json

from harness.scenarios.fields import ROOT, Field

_JSON_TYPES = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "number": {"type": "number"},
    "bool": {"type": "boolean"},
    "int_list": {"type": "array", "items": {"type": "integer"}},
    "number_list": {"type": "array", "items": {"type": "number"}},
    "str_list": {"type": "array", "items": {"type": "string"}},
}


def _schema(field: Field) -> dict[str, object]:
    if field.kind == "mapping":
        out: dict[str, object] = {
            "type": "object",
            "description": field.description,
            "additionalProperties": False,
            "properties": {child.name: _schema(child) for child in field.children},
        }
        required = [child.name for child in field.children if child.required]
        if required:
            out["required"] = required
        return out
    if field.kind == "misses":
        reasons = {"type": "object", "additionalProperties": {"type": "string"}}
        return {
            "type": "object",
            "description": field.description,
            "additionalProperties": {"oneOf": [{"type": "string"}, reasons]},
        }
    if field.kind == "str_map":
        return {
            "type": "object",
            "description": field.description,
            "additionalProperties": {"type": "string"},
        }
    if field.kind == "params":
        return {
            "type": "object",
            "description": field.description,
            "additionalProperties": {"type": "object"},
        }
    out = dict(_JSON_TYPES[field.kind])
    out["description"] = field.description
    if field.choices is not None:
        out["enum"] = list(field.choices)
    bounds: dict[str, object] = {}
    if field.minimum is not None:
        bounds["exclusiveMinimum" if field.exclusive_minimum else "minimum"] = field.minimum
    if field.maximum is not None:
        bounds["maximum"] = field.maximum
    if field.below is not None:
        bounds["exclusiveMaximum"] = field.below
    if out["type"] == "array":
        out["items"] = {**out["items"], **bounds}
    else:
        out.update(bounds)
    if field.distinct:
        out["uniqueItems"] = True
    if field.non_empty:
        out["minItems"] = 1
    if field.default not in (None, {}):
        out["default"] = field.default
    if field.nullable:
        out["type"] = [out["type"], "null"]
    return out


def json_schema() -> dict[str, object]:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "searchbench scenario",
    }
    schema.update(_schema(ROOT))
    return schema


def render_schema() -> str:
    return json.dumps(json_schema(), indent=2) + "\n"


def _yaml_value(value: object) -> str:
    return json.dumps(value)


def _template_lines(field: Field, indent: int) -> list[str]:
    lines = []
    pad = "  " * indent
    for child in field.children:
        lines.append(f"{pad}# {child.description}")
        if child.choices and len(child.choices) <= 12:
            lines.append(f"{pad}# allowed: {', '.join(child.choices)}")
        if child.kind == "mapping":
            lines.append(f"{pad}{child.name}:")
            lines += _template_lines(child, indent + 1)
            continue
        value = child.example if child.example is not None else child.default
        if child.kind == "params":
            lines.append(f"{pad}{child.name}:")
            lines.append(f"{pad}  two_point:")
            lines.append(f"{pad}    slo_safety_factor: 1.5")
        elif child.kind == "str_map":
            lines.append(f"{pad}# {child.name}: {{msmodeling:exponential: exponential}}")
        elif child.kind == "misses":
            lines.append(f"{pad}# {child.name}:")
            lines.append(f'{pad}#   two_point: {{TP=8: "why it misses there"}}')
        elif value is None:
            lines.append(f"{pad}# {child.name}: ")
        else:
            lines.append(f"{pad}{child.name}: {_yaml_value(value)}")
    return lines


def template() -> str:
    head = [
        "# A searchbench scenario. Save it as scenarios/<id>.yaml: the file name is the id.",
        "# Check it with `searchbench validate`, then create its stored baseline with",
        "# `pytest scenarios/<id>.yaml --update-baselines`.",
        "# yaml-language-server: $schema=schema.json",
    ]
    return "\n".join(head + _template_lines(ROOT, 0)) + "\n"
