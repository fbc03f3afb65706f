"""The YAML node tree of one scenario file, converted to values field by field, lines kept.

Only plain data is accepted (safe YAML, standard tags); every error names the file, the line and
the dotted field.
"""

from __future__ import annotations

import math
from pathlib import Path

import yaml

from harness.scenarios.fields import KINDS, Field
from harness.scenarios.model import ScenarioError

MAX_FILE_CHARACTERS = 1_000_000
MAX_DEPTH = 16
MAX_STRING = 4096

_STANDARD_TAGS = {
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}


class Document:
    """The YAML node tree of one file, converted to values field by field, lines kept."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        if len(text) > MAX_FILE_CHARACTERS:
            raise ScenarioError(
                path,
                None,
                "",
                f"{len(text):,} characters; scenario files hold at most {MAX_FILE_CHARACTERS:,}",
            )
        try:
            self.loader = yaml.SafeLoader(text)
            self.root = self.loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 1 if mark else None
            raise ScenarioError(path, line, "", f"invalid YAML: {error.problem}") from None
        except yaml.YAMLError as error:
            problem = str(error).splitlines()[0]
            raise ScenarioError(path, None, "", f"invalid YAML: {problem}") from None
        except RecursionError:
            raise ScenarioError(path, None, "", "invalid YAML: nested too deeply") from None
        if self.root is not None and _depth(self.root) > MAX_DEPTH:
            raise ScenarioError(
                path, None, "", f"nested more than {MAX_DEPTH} levels deep; scenarios are flat"
            )

    def error(self, node: yaml.Node | None, field: str, message: str) -> ScenarioError:
        line = node.start_mark.line + 1 if node is not None else None
        return ScenarioError(self.path, line, field, message)

    def scalar(self, node: yaml.Node, field: str) -> object:
        self.check_tag(node, field)
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(node, field, f"expected a single value, got a {_node_kind(node)}")
        if len(node.value) > MAX_STRING:
            raise self.error(
                node, field, f"a value of {len(node.value):,} characters; at most {MAX_STRING:,}"
            )
        try:
            return self.loader.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError) as error:
            raise self.error(node, field, f"not a valid value: {error}") from None

    def check_tag(self, node: yaml.Node, field: str) -> None:
        if node.tag not in _STANDARD_TAGS:
            raise self.error(
                node, field, f"tag {node.tag!r} is not allowed: scenario files hold plain data only"
            )

    def mapping(self, node: yaml.Node, field: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        self.check_tag(node, field)
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, field, f"expected a mapping, got a {_node_kind(node)}")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node, field or "(top level)")
            name = f"{field}.{key}" if field else str(key)
            if not isinstance(key, str):
                raise self.error(key_node, name, "keys must be strings")
            if key in out:
                raise self.error(key_node, name, "duplicate key")
            out[key] = (key_node, value_node)
        return out

    def convert(self, node: yaml.Node | None, spec: Field, field: str) -> object:
        if node is None:
            return (
                self.fill(None, spec, field)
                if spec.kind == "mapping"
                else _copy_default(spec.default)
            )
        if spec.kind == "mapping":
            if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
                if spec.required:
                    raise self.error(node, field, "expected a mapping, got nothing")
                return self.fill(None, spec, field)
            return self.fill(node, spec, field)
        if spec.kind == "params":
            entries = self.mapping(node, field)
            return {
                name: (value, self.plain(value, f"{field}.{name}"))
                for name, (_, value) in entries.items()
            }
        if spec.kind == "misses":
            return self.misses(node, field)
        if spec.kind == "str_map":
            return {
                key: (value, self.typed(value, "str", f"{field}.{key}"))
                for key, (_, value) in self.mapping(node, field).items()
            }
        if spec.kind in ("int_list", "str_list", "number_list"):
            self.check_tag(node, field)
            if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
                return _null_or_fail(self, node, spec, field)
            if not isinstance(node, yaml.SequenceNode):
                raise self.error(
                    node, field, f"expected {KINDS[spec.kind]}, got {_node_kind(node)}"
                )
            item_kind = {"int_list": "int", "str_list": "str", "number_list": "number"}[spec.kind]
            items = [
                self.typed(item, item_kind, f"{field}[{i}]") for i, item in enumerate(node.value)
            ]
            return self.checked_list(node, spec, field, items)
        value = self.scalar(node, field)
        if value is None:
            return _null_or_fail(self, node, spec, field)
        value = self.typed(node, spec.kind, field, value)
        if spec.choices is not None and value not in spec.choices:
            raise self.error(
                node, field, f"{value!r} is not allowed (allowed: {', '.join(spec.choices)})"
            )
        if spec.minimum is not None:
            too_small = value <= spec.minimum if spec.exclusive_minimum else value < spec.minimum
            if too_small:
                relation = ">" if spec.exclusive_minimum else ">="
                raise self.error(node, field, f"must be {relation} {spec.minimum:g}, got {value}")
        if spec.below is not None and value >= spec.below:
            raise self.error(node, field, f"must be < {spec.below:g}, got {value}")
        return value

    def checked_list(self, node: yaml.Node, spec: Field, field: str, items: list) -> list:
        if spec.non_empty and not items:
            raise self.error(node, field, "give at least one")
        for index, item in enumerate(items):
            if spec.minimum is not None and item < spec.minimum:
                raise self.error(
                    node.value[index],
                    f"{field}[{index}]",
                    f"must be >= {spec.minimum:g}, got {item}",
                )
            if spec.maximum is not None and item > spec.maximum:
                raise self.error(
                    node.value[index],
                    f"{field}[{index}]",
                    f"must be <= {spec.maximum:g}, got {item}",
                )
        if spec.distinct:
            for index, item in enumerate(items):
                if item in items[:index]:
                    raise self.error(
                        node.value[index], f"{field}[{index}]", f"{item} is listed twice"
                    )
        return items

    def typed(self, node: yaml.Node, kind: str, field: str, value: object = ...) -> object:
        if value is ...:
            value = self.scalar(node, field)
        ok = {
            "str": isinstance(value, str),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "bool": isinstance(value, bool),
        }[kind]
        if not ok:
            got = "nothing" if value is None else f"{type(value).__name__} {_short(value)}"
            raise self.error(node, field, f"expected {KINDS[kind]}, got {got}")
        if kind == "number" and math.isnan(value):
            raise self.error(node, field, f"expected {KINDS[kind]}, got .nan")
        return float(value) if kind == "number" else value

    def fill(self, node: yaml.Node | None, spec: Field, field: str) -> dict[str, object]:
        entries = self.mapping(node, field) if node is not None else {}
        allowed = {child.name: child for child in spec.children}
        for key, (key_node, _) in entries.items():
            if key not in allowed:
                name = f"{field}.{key}" if field else key
                raise self.error(key_node, name, f"unknown key (allowed: {', '.join(allowed)})")
        out: dict[str, object] = {"__node__": node}
        for name, child in allowed.items():
            path = f"{field}.{name}" if field else name
            if name not in entries:
                if child.required:
                    raise self.error(node or self.root, path, f"required, {KINDS[child.kind]}")
                out[name] = self.convert(None, child, path)
            else:
                out[name] = self.convert(entries[name][1], child, path)
                out[f"__line__{name}"] = entries[name][1]
        return out

    def misses(self, node: yaml.Node, field: str) -> dict[str, tuple[yaml.Node, object]]:
        """search -> reason (every strategy), or search -> {strategy key: reason}."""
        out: dict[str, tuple[yaml.Node, object]] = {}
        for name, (_, value) in self.mapping(node, field).items():
            path = f"{field}.{name}"
            if isinstance(value, yaml.MappingNode):
                reasons = {
                    key: self.typed(reason, "str", f"{path}.{key}")
                    for key, (_, reason) in self.mapping(value, path).items()
                }
                out[name] = (value, reasons)
            else:
                out[name] = (value, self.typed(value, "str", path))
        return out

    def plain(self, node: yaml.Node, field: str) -> dict[str, object]:
        return {
            key: self.scalar(value, f"{field}.{key}")
            for key, (_, value) in self.mapping(node, field).items()
        }


def _depth(node: yaml.Node) -> int:
    """Nesting depth, without recursion (a hostile file may nest thousands of levels)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            return depth
        if isinstance(current, yaml.MappingNode):
            stack += [(child, depth + 1) for pair in current.value for child in pair]
        elif isinstance(current, yaml.SequenceNode):
            stack += [(child, depth + 1) for child in current.value]
    return deepest


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def _node_kind(node: yaml.Node) -> str:
    return {yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}.get(type(node), "single value")


def _null_or_fail(doc: Document, node: yaml.Node, spec: Field, field: str) -> None:
    if spec.nullable:
        return None
    raise doc.error(node, field, f"expected {KINDS[spec.kind]}, got nothing")


def _copy_default(default: object) -> object:
    return list(default) if isinstance(default, list) else default
