"""The YAML node tree of one scenario file, converted to values field by field, lines kept.

Only plain data is accepted (safe YAML 1.2, standard tags, a bounded size and depth:
``yaml_loader.py``); every error names the file, the line and the dotted field.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from harness.request.kinds import short
from harness.request.spelling import did_you_mean, plain
from harness.scenarios.fields import RENAMED, Field
from harness.scenarios.model import ScenarioError
from harness.scenarios.yaml_loader import MAX_DEPTH, Refused, ScenarioLoader

MAX_FILE_CHARACTERS = 1_000_000
MAX_STRING = 4096
__all__ = ["MAX_DEPTH", "MAX_FILE_CHARACTERS", "MAX_STRING", "Document"]

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
            self.loader = ScenarioLoader(text)
            self.root = self.loader.get_single_node()
        except Refused as error:
            line = error.mark.line + 1 if error.mark else None
            problem = error.problem
            if problem.startswith("nested"):
                problem += "; scenarios are flat"
            raise ScenarioError(path, line, error.field, problem) from None
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 1 if mark else None
            raise ScenarioError(path, line, "", f"invalid YAML: {error.problem}") from None
        except yaml.YAMLError as error:
            problem = str(error).splitlines()[0]
            raise ScenarioError(path, None, "", f"invalid YAML: {problem}") from None
        except RecursionError:
            raise ScenarioError(path, None, "", "invalid YAML: nested too deeply") from None

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
        except yaml.MarkedYAMLError as error:
            raise self.error(node, field, f"not a valid value: {error.problem}") from None
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
            name = f"{field}.{plain(str(key))}" if field else plain(str(key))
            if not isinstance(key, str):
                raise self.error(key_node, name, "keys must be strings")
            if key in out:
                raise self.error(key_node, name, "duplicate key")
            out[key] = (key_node, value_node)
        return out

    def convert(self, node: yaml.Node | None, spec: Field, field: str) -> object:
        if node is None:
            return self.fill(None, spec, field) if spec.kind == "mapping" else _copy(spec.default)
        if spec.kind == "mapping":
            if _is_null(node):
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
                key: (value, self.text(value, f"{field}.{key}"))
                for key, (_, value) in self.mapping(node, field).items()
            }
        return self.value(node, spec, field)

    def value(self, node: yaml.Node, spec: Field, field: str) -> object:
        """A leaf's value, parsed and bounded by its kind; errors name the item of a list."""
        self.check_tag(node, field)
        structured = getattr(spec.kind, "structured", False)
        if isinstance(node, yaml.MappingNode) and not structured:
            raise self.error(node, field, f"expected {spec.expected}, got a mapping")
        if structured and isinstance(node, yaml.MappingNode):
            value = self.structure(node, field)
        elif isinstance(node, yaml.SequenceNode):
            value = [self.scalar(item, f"{field}[{i}]") for i, item in enumerate(node.value)]
        else:
            value = self.scalar(node, field)
        if value is None:
            if spec.nullable:
                return None
            raise self.error(node, field, f"expected {spec.expected}, got nothing")

        def fail(message: str, index: int | None = None):
            if index is None:
                raise self.error(node, field, message)
            raise self.error(node.value[index], f"{field}[{index}]", message)

        resolve = getattr(spec.kind, "resolve", None)
        if resolve is not None:
            value = resolve(value, self.path.parent)
        return spec.kind.parse(value, fail)

    def structure(self, node: yaml.Node, field: str) -> object:
        """A mapping or list of plain values, as YAML constructs it (a kind parses it)."""
        if isinstance(node, yaml.MappingNode):
            return {
                self.scalar(key, field): self.structure(item, field) for key, item in node.value
            }
        if isinstance(node, yaml.SequenceNode):
            return [self.structure(item, field) for item in node.value]
        return self.scalar(node, field)

    def text(self, node: yaml.Node, field: str) -> str:
        value = self.scalar(node, field)
        if not isinstance(value, str):
            raise self.error(node, field, f"expected a string, got {_got(value)}")
        return value

    def fill(self, node: yaml.Node | None, spec: Field, field: str) -> dict[str, object]:
        entries = self.mapping(node, field) if node is not None else {}
        allowed = {child.name: child for child in spec.children}
        entries, spelled = self.unaliased(entries, spec, field)
        for key, (key_node, _) in entries.items():
            if key not in allowed:
                name = f"{field}.{plain(key)}" if field else plain(key)
                if name in RENAMED:
                    raise self.error(key_node, name, f"renamed: write {RENAMED[name]}")
                near = did_you_mean(key, allowed)
                message = f"unknown key ({near}allowed: {', '.join(allowed)})"
                raise self.error(key_node, name, message)
        out: dict[str, object] = {"__node__": node}
        for name, child in allowed.items():
            key = spelled.get(name, name)
            path = f"{field}.{key}" if field else key
            if name not in entries:
                if child.required:
                    raise self.error(node or self.root, path, f"required, {child.expected}")
                out[name] = self.convert(None, child, path)
            else:
                out[name] = self.convert(entries[name][1], child, path)
                out[f"__line__{name}"] = entries[name][1]
        return out

    def unaliased(self, entries: dict, spec: Field, field: str) -> tuple[dict, dict[str, str]]:
        """Entries with each knob's other spelling (``devices``) under its name, and the
        spelling each renamed one was written in; both spellings of one knob are refused."""
        spelled: dict[str, str] = {}
        for child in spec.children:
            for alias in child.knob.knob.aliases if child.knob else ():
                if alias not in entries:
                    continue
                if child.name in entries:
                    key_node = entries[alias][0]
                    message = f"{child.name} is given too; write one of them, {child.name}: NAME "
                    raise self.error(key_node, f"{field}.{alias}", message + "or [NAME, ...]")
                entries = {(child.name if k == alias else k): v for k, v in entries.items()}
                spelled[child.name] = alias
        return entries, spelled

    def misses(self, node: yaml.Node, field: str) -> dict[str, tuple[yaml.Node, object]]:
        """search -> reason (every strategy), or search -> {strategy key: reason}."""
        out: dict[str, tuple[yaml.Node, object]] = {}
        for name, (_, value) in self.mapping(node, field).items():
            path = f"{field}.{name}"
            if isinstance(value, yaml.MappingNode):
                reasons = {
                    key: self.text(reason, f"{path}.{key}")
                    for key, (_, reason) in self.mapping(value, path).items()
                }
                out[name] = (value, reasons)
            else:
                out[name] = (value, self.text(value, path))
        return out

    def plain(self, node: yaml.Node, field: str) -> dict[str, object]:
        return {
            key: self.scalar(value, f"{field}.{key}")
            for key, (_, value) in self.mapping(node, field).items()
        }


def _got(value: object) -> str:
    return "nothing" if value is None else f"{type(value).__name__} {short(value)}"


def _node_kind(node: yaml.Node) -> str:
    return {yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}.get(type(node), "single value")


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _copy(default: object) -> object:
    return list(default) if isinstance(default, list) else default
