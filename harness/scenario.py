"""Scenario files: safe YAML, validated into frozen dataclasses, every error with file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from harness.errors import HarnessInputError
from harness.optimizer import (
    OptimizerRequest,
    SearchRun,
    deployment_for,
    parallel_configs,
    phases,
    strategy_key,
)
from harness.paths import display_path
from harness.scenario_fields import BUNDLED_MODEL_IDS, KINDS, ROOT, Field
from harness.searches import SearchConfigError, get_search, make_params
from simulator import SimulatorInputError, load_model
from simulator.errors import SimulatorInputError as _SimError

_STANDARD_TAGS = {
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}


class ScenarioError(ValueError):
    """A bad scenario file: names the file, the line and the field."""

    def __init__(self, path: Path | str, line: int | None, field: str, message: str) -> None:
        self.path, self.line, self.field, self.message = str(path), line, field, message
        shown = display_path(path)
        where = f"{shown}:{line}" if line else shown
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


@dataclass(frozen=True)
class DeploymentSpec:
    model: str
    device: str
    num_devices: int
    input_length: int
    output_length: int
    tpot_limit_ms: float | None
    ttft_limit_ms: float | None
    linear_quant: str
    attention_quant: str
    compile: bool
    disagg: bool
    reserved_memory_gb: float
    max_batched_tokens: int | None
    tp_sizes: tuple[int, ...]
    ep_sizes: tuple[int, ...] | None
    batch_range: tuple[int, int] | None


@dataclass(frozen=True)
class SearchPlan:
    baseline: SearchRun
    candidates: tuple[SearchRun, ...]
    oracle: SearchRun

    @property
    def all(self) -> tuple[SearchRun, ...]:
        return (self.baseline, *self.candidates, self.oracle)


@dataclass(frozen=True)
class Expectations:
    tolerance: float
    fewer_probes: bool
    never_more_probes: bool
    more_probes_allowed_at: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    id: str
    path: Path
    description: str
    deployment: DeploymentSpec
    searches: SearchPlan
    expect: Expectations

    def strategy_keys(self) -> list[str]:
        """The item keys of the scenario's strategies and phases, known without any search."""
        request = self.request()
        moe = load_model(request.model).is_moe
        return [
            strategy_key(p.tp, p.ep, phase.name, moe)
            for p in parallel_configs(request)
            for phase in phases(request)
        ]

    def request(self, searches: tuple[SearchRun, ...] | None = None) -> OptimizerRequest:
        d = self.deployment
        return OptimizerRequest(
            model=d.model,
            input_length=d.input_length,
            output_length=d.output_length,
            device=d.device,
            num_devices=d.num_devices,
            compile=d.compile,
            quantize_linear_action=d.linear_quant,
            quantize_attention_action=d.attention_quant,
            tpot_limit_ms=d.tpot_limit_ms,
            ttft_limit_ms=d.ttft_limit_ms,
            tp_sizes=d.tp_sizes,
            ep_sizes=d.ep_sizes,
            batch_range=d.batch_range,
            reserved_memory_gb=d.reserved_memory_gb,
            max_batched_tokens=d.max_batched_tokens,
            disagg=d.disagg,
            searches=searches or self.searches.all,
        )


class _Document:
    """The YAML node tree of one file, converted to values field by field, lines kept."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.loader = yaml.SafeLoader(text)
        try:
            self.root = self.loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 1 if mark else None
            raise ScenarioError(path, line, "", f"invalid YAML: {error.problem}") from None
        except yaml.YAMLError as error:
            raise ScenarioError(path, None, "", f"invalid YAML: {error}") from None

    def error(self, node: yaml.Node | None, field: str, message: str) -> ScenarioError:
        line = node.start_mark.line + 1 if node is not None else None
        return ScenarioError(self.path, line, field, message)

    def scalar(self, node: yaml.Node, field: str) -> object:
        self.check_tag(node, field)
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(node, field, f"expected a single value, got a {_node_kind(node)}")
        return self.loader.construct_object(node)

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
        if spec.kind in ("int_list", "str_list"):
            self.check_tag(node, field)
            if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
                return _null_or_fail(self, node, spec, field)
            if not isinstance(node, yaml.SequenceNode):
                raise self.error(
                    node, field, f"expected {KINDS[spec.kind]}, got {_node_kind(node)}"
                )
            item_kind = "int" if spec.kind == "int_list" else "str"
            return [
                self.typed(item, item_kind, f"{field}[{i}]") for i, item in enumerate(node.value)
            ]
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
        return value

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
            got = "nothing" if value is None else f"{type(value).__name__} {value!r}"
            raise self.error(node, field, f"expected {KINDS[kind]}, got {got}")
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

    def plain(self, node: yaml.Node, field: str) -> dict[str, object]:
        return {
            key: self.scalar(value, f"{field}.{key}")
            for key, (_, value) in self.mapping(node, field).items()
        }


def _node_kind(node: yaml.Node) -> str:
    return {yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}.get(type(node), "single value")


def _null_or_fail(doc: _Document, node: yaml.Node, spec: Field, field: str) -> None:
    if spec.nullable:
        return None
    raise doc.error(node, field, f"expected {KINDS[spec.kind]}, got nothing")


def _copy_default(default: object) -> object:
    return list(default) if isinstance(default, list) else default


_SIM_FIELDS = {
    "model": "deployment.model",
    "device": "deployment.device",
    "num_devices": "deployment.num_devices",
    "tp": "deployment.tp_sizes",
    "tp_sizes": "deployment.tp_sizes",
    "ep": "deployment.ep_sizes",
    "max_batched_tokens": "deployment.max_batched_tokens",
    "quantize_linear_action": "deployment.quantization.linear",
    "quantize_attention_action": "deployment.quantization.attention",
    "reserved_memory_gb": "deployment.reserved_memory_gb",
}


def load_scenario(path: Path | str) -> Scenario:
    """Load and validate one scenario file; raise ScenarioError naming file, line and field."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as error:
        raise ScenarioError(path, None, "", f"cannot read: {error.strerror}") from None
    doc = _Document(path, text)
    values = doc.fill(doc.root, ROOT, "")
    dep, searches, expect = values["deployment"], values["searches"], values["expect"]
    model = dep["model"]
    local = path.parent / model
    if model.lower() not in {m.lower() for m in BUNDLED_MODEL_IDS} and local.exists():
        model = str(local)
    try:
        load_model(model)
    except SimulatorInputError as error:
        raise doc.error(
            dep["__line__model"], "deployment.model", str(error).split(": ", 1)[1]
        ) from None
    limits, quant = dep["limits"], dep["quantization"]
    batch_range = _batch_range(doc, dep)
    spec = DeploymentSpec(
        model=model,
        device=dep["device"],
        num_devices=dep["num_devices"],
        input_length=dep["input_length"],
        output_length=dep["output_length"],
        tpot_limit_ms=limits["tpot_ms"],
        ttft_limit_ms=limits["ttft_ms"],
        linear_quant=quant["linear"],
        attention_quant=quant["attention"],
        compile=dep["compile"],
        disagg=dep["mode"] == "disagg",
        reserved_memory_gb=dep["reserved_memory_gb"],
        max_batched_tokens=dep["max_batched_tokens"],
        tp_sizes=tuple(dep["tp_sizes"]),
        ep_sizes=None if dep["ep_sizes"] is None else tuple(dep["ep_sizes"]),
        batch_range=batch_range,
    )
    plan = _search_plan(doc, searches)
    scenario = Scenario(
        id=path.stem,
        path=path,
        description=values["description"],
        deployment=spec,
        searches=plan,
        expect=Expectations(
            expect["tolerance"],
            expect["fewer_probes"],
            expect["never_more_probes"],
            tuple(expect["more_probes_allowed_at"]),
        ),
    )
    _check_deployments(doc, scenario, dep)
    keys = scenario.strategy_keys()
    for key in scenario.expect.more_probes_allowed_at:
        if key not in keys:
            raise doc.error(
                expect.get("__line__more_probes_allowed_at"),
                "expect.more_probes_allowed_at",
                f"{key!r} is not a strategy of this scenario (allowed: {', '.join(keys)})",
            )
    return scenario


def _batch_range(doc: _Document, dep: dict) -> tuple[int, int] | None:
    value = dep["batch_range"]
    if value is None:
        return None
    node = dep.get("__line__batch_range")
    if len(value) != 2 or not 1 <= value[0] <= value[1]:
        raise doc.error(
            node, "deployment.batch_range", f"expected [min, max] with 1 <= min <= max, got {value}"
        )
    return (value[0], value[1])


def _search_plan(doc: _Document, searches: dict) -> SearchPlan:
    params = searches["params"]

    def run(name: str, node: yaml.Node | None, field: str) -> SearchRun:
        try:
            spec = get_search(name)
        except SearchConfigError as error:
            raise doc.error(node, field, str(error)) from None
        values = {}
        if name in params:
            params_node, values = params[name]
            try:
                make_params(spec, values)
            except SearchConfigError as error:
                raise doc.error(params_node, f"searches.params.{name}", str(error)) from None
        return SearchRun(name, values)

    baseline = run(searches["baseline"], searches.get("__line__baseline"), "searches.baseline")
    node = searches.get("__line__candidates")
    candidates = tuple(
        run(name, node, f"searches.candidates[{i}]")
        for i, name in enumerate(searches["candidates"])
    )
    oracle = run(searches["oracle"], searches.get("__line__oracle"), "searches.oracle")
    names = [baseline.name, *(c.name for c in candidates), oracle.name]
    if len(set(names)) != len(names):
        raise doc.error(node, "searches", f"each search may appear once, got {', '.join(names)}")
    for name in params:
        if name not in names:
            raise doc.error(
                params[name][0],
                f"searches.params.{name}",
                f"not one of this scenario's searches ({', '.join(names)})",
            )
    return SearchPlan(baseline, candidates, oracle)


def _check_deployments(doc: _Document, scenario: Scenario, dep: dict) -> None:
    """Build every deployment the scenario will probe, so mistakes surface at load time."""
    try:
        request = scenario.request()
        for parallel in parallel_configs(request):
            for phase in phases(request):
                deployment_for(request, parallel, phase, request.max_batched_tokens)
    except _SimError as error:
        field = _SIM_FIELDS.get(error.field, f"deployment.{error.field}")
        key = field.split(".")[1]
        raise doc.error(
            dep.get(f"__line__{key}", dep["__node__"]), field, str(error).split(": ", 1)[1]
        ) from None
    except HarnessInputError as error:
        raise doc.error(dep["__node__"], "deployment", str(error)) from None


def discover(paths: list[Path | str]) -> list[Path]:
    """Scenario files under the given files and folders, sorted, without the schema."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.y*ml") if p.suffix in (".yaml", ".yml"))
        else:
            found.append(path)
    return found
