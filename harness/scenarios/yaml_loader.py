"""The YAML reader of scenario files: safe YAML with YAML 1.2's core schema, and bounded.

PyYAML implements YAML 1.1, whose implicit types surprise: ``17:04`` is the base-60 integer
1024, ``yes``/``no``/``on``/``off`` are booleans, ``012`` is octal 10, ``1_000`` is 1000, and
``1e3`` is a string (it wants ``1.0e+3``). YAML 1.2's core schema, which this loader resolves,
reads ``17:04``, ``yes`` and ``1_000`` as the strings they look like, ``012`` as 12, and ``1e3``,
``1e-300`` and ``1e300`` as the floats the user wrote.

Aliases let a 2 KB file stand for billions of values (the "billion laughs"). The composer
counts the values the document expands to as it builds it, each anchored node's size computed
once (by node identity, so the cost is linear in the file), and stops past ``MAX_VALUES``; it
bounds the nesting depth, alias expansions included, the same way; and it refuses an alias
inside the node it names (a loop).
"""

from __future__ import annotations

import math
import re

import yaml

MAX_VALUES = 10_000
"""Values a scenario may expand to. The largest meaningful list is a list of parallel sizes, at
most num_devices of them (2,048 on TEST_DEVICE's grid). It also bounds the parse: pure-Python
PyYAML composes about 13,000 values a second, so a refused file costs under a second."""
MAX_DEPTH = 16

_INT = re.compile(r"\A(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z")
_FLOAT = re.compile(
    r"\A(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z"
)
_BOOL = re.compile(r"\A(?:true|True|TRUE|false|False|FALSE)\Z")
_NULL = re.compile(r"\A(?:~|null|Null|NULL|)\Z")


class Refused(yaml.YAMLError):
    """A document past a bound (values, depth) or with an alias loop: ``mark`` is where, and
    ``field`` the dotted key path of the node that crossed it."""

    def __init__(self, mark: yaml.Mark | None, field: str, problem: str) -> None:
        super().__init__(problem)
        self.mark, self.field, self.problem = mark, field, problem


class ScenarioLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema resolvers and a bounded, linear composer."""

    yaml_implicit_resolvers: dict = {}  # noqa: RUF012 (PyYAML's class-level registry)

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._measured: dict[int, tuple[int, int]] = {}
        """id(node) -> (values it expands to, its expanded depth), once it is composed."""
        self._values = 0
        self._open: list[str | None] = []
        """The nodes being composed around the current one, by the key each stands under (None
        for a list item or a key): their count is the current node's depth in the text."""

    def compose_node(self, parent, index):
        mark = self.peek_event().start_mark
        alias = self.check_event(yaml.AliasEvent)
        if not alias:
            self._open.append(index.value if isinstance(index, yaml.ScalarNode) else None)
            if len(self._open) > MAX_DEPTH:
                self._refuse(mark, f"nested too deeply (more than {MAX_DEPTH} levels)")
        node = super().compose_node(parent, index)
        if alias:
            self._alias(node, mark, index)
        else:
            self._measure(node)
            self._values += 1
        if self._values > MAX_VALUES:
            self._refuse(
                mark,
                f"more than {MAX_VALUES:,} values (an alias counts as the values it repeats); "
                "a scenario needs far fewer",
            )
        if not alias:
            self._open.pop()
        return node

    def _refuse(self, mark: yaml.Mark, problem: str, index: object = None):
        keys = [*self._open, index.value if isinstance(index, yaml.ScalarNode) else None]
        raise Refused(mark, ".".join(key for key in keys if isinstance(key, str)), problem)

    def _alias(self, node: yaml.Node, mark: yaml.Mark, index: object) -> None:
        """Count the values an alias repeats, and the depth it reaches where it stands."""
        measured = self._measured.get(id(node))
        if measured is None:
            self._refuse(mark, "an alias inside the node it names (a loop)", index)
        size, depth = measured
        if len(self._open) + depth > MAX_DEPTH:
            message = f"nested too deeply (more than {MAX_DEPTH} levels, with aliases)"
            self._refuse(mark, message, index)
        self._values += size

    def _measure(self, node: yaml.Node) -> None:
        """Record a composed node's size and depth from its children's, each computed once."""
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        sizes = [self._measured[id(child)] for child in children]
        self._measured[id(node)] = (
            1 + sum(size for size, _ in sizes),
            1 + max((depth for _, depth in sizes), default=0),
        )

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        value = self.construct_scalar(node)
        if not _INT.match(value):
            raise yaml.constructor.ConstructorError(
                None, None, f"{value!r} is not a YAML 1.2 integer", node.start_mark
            )
        if value.startswith(("0x", "0o")):
            return int(value[2:], 16 if value[1] == "x" else 8)
        return int(value, 10)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        value = self.construct_scalar(node)
        if not _FLOAT.match(value):
            raise yaml.constructor.ConstructorError(
                None, None, f"{value!r} is not a YAML 1.2 float", node.start_mark
            )
        if value.lower().endswith(("inf", "nan")):
            sign = -1.0 if value.startswith("-") else 1.0
            return math.nan if value.lower() == ".nan" else sign * math.inf
        return float(value)

    def construct_yaml_bool(self, node: yaml.ScalarNode) -> bool:
        value = self.construct_scalar(node)
        if not _BOOL.match(value):
            raise yaml.constructor.ConstructorError(
                None, None, f"{value!r} is not true or false", node.start_mark
            )
        return value.lower() == "true"


for _tag, _pattern, _first in (
    ("bool", _BOOL, "tTfF"),
    ("int", _INT, "-+0123456789"),
    ("float", _FLOAT, "-+.0123456789"),
    ("null", _NULL, ["~", "n", "N", ""]),
):
    ScenarioLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", _pattern, list(_first))
# The merge key keeps its 1.1 meaning only so that the document can refuse it by name.
ScenarioLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"\A<<\Z"), ["<"])
ScenarioLoader.add_constructor("tag:yaml.org,2002:int", ScenarioLoader.construct_yaml_int)
ScenarioLoader.add_constructor("tag:yaml.org,2002:float", ScenarioLoader.construct_yaml_float)
ScenarioLoader.add_constructor("tag:yaml.org,2002:bool", ScenarioLoader.construct_yaml_bool)
