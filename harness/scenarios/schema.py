"""The JSON Schema for editors and the commented template, both derived from scenario_fields."""

from __future__ import annotations

import json

from harness.scenarios.fields import ROOT, Field


def _schema(field: Field) -> dict[str, object]:
    if field.kind == "mapping":
        out: dict[str, object] = {
            "type": "object",
            "description": field.description,
            "additionalProperties": False,
            "properties": {child.name: _schema(child) for child in field.children},
        }
        for child in field.children:
            for alias in child.knob.knob.aliases if child.knob else ():
                spelled = {k: v for k, v in _schema(child).items() if k != "default"}
                spelled["description"] = f"{child.name}, spelled as msmodeling's --{alias}."
                out["properties"][alias] = spelled
                out.setdefault("allOf", []).append({"not": {"required": [child.name, alias]}})
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
    out = {**field.kind.schema(), "description": field.description}
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
        choices = getattr(child.kind, "choices", None) if not isinstance(child.kind, str) else None
        if choices and len(choices) <= 12:
            lines.append(f"{pad}# allowed: {', '.join(choices)}")
        if child.kind == "mapping" and child.knob is not None:
            # A knob's section turns its mode on where it is written: left commented out.
            members = ", ".join(f"{c.name}: {_yaml_value(c.example)}" for c in child.children)
            lines.append(f"{pad}# {child.name}: {{{members}}}")
            continue
        if child.kind == "mapping":
            lines.append(f"{pad}{child.name}:")
            lines += _template_lines(child, indent + 1)
            continue
        if child.kind == "params":
            lines.append(f"{pad}# {child.name}:")
            lines.append(f"{pad}#   two_point: {{slo_safety_factor: 1.2}}")
        elif child.kind == "str_map":
            lines.append(f"{pad}# {child.name}: {{msmodeling:exponential: exponential}}")
        elif child.kind == "misses":
            lines.append(f"{pad}# {child.name}:")
            lines.append(f'{pad}#   two_point: {{TP=8: "why it misses there"}}')
        elif child.example is not None:
            lines.append(f"{pad}{child.name}: {_yaml_value(child.example)}")
        else:
            # Defaults stay commented out, so a scenario follows a changed default.
            default = "" if child.default is None else f" {_yaml_value(child.default)}"
            lines.append(f"{pad}# {child.name}:{default}")
    return lines


def template() -> str:
    head = [
        "# A searchbench scenario. Save it as scenarios/<id>.yaml: the file name is the id.",
        "# Check it with `searchbench validate`, then create its stored baseline with",
        "# `pytest scenarios/<id>.yaml --update-baselines`.",
        "# yaml-language-server: $schema=schema.json",
    ]
    return "\n".join(head + _template_lines(ROOT, 0)) + "\n"
