"""Scenario files into ``Scenario`` values: the request from the knob table, the search plan and
the expectations, with every deployment built once so mistakes surface at load time."""

from __future__ import annotations

from pathlib import Path

import yaml

from harness.errors import DeploymentError, HarnessInputError, SearchbenchError
from harness.request import BUNDLED_MODEL_IDS, OptimizerRequest, SearchRun
from harness.request.spelling import did_you_mean, plain, shown
from harness.scenarios.document import Document
from harness.scenarios.fields import DEPLOYMENT, ROOT
from harness.scenarios.layout import layout_for
from harness.scenarios.model import (
    Expectations,
    KnownMiss,
    Scenario,
    ScenarioError,
    SearchPlan,
)
from harness.scenarios.paths import display_path, id_problem
from harness.scenarios.reading import read_text
from harness.scenarios.text import one_line
from harness.searches import SearchConfigError, canonical_name, check_name, make_params


def load_scenario(path: Path | str, scenario_id: str | None = None) -> Scenario:
    """Load and validate one scenario file; raise ScenarioError naming file, line and field.

    ``scenario_id`` defaults to the file's stem; discovery passes the path under the scenario
    folder so that files of the same name in two subfolders keep apart.
    """
    path = Path(path)
    scenario_id = scenario_id or path.stem
    problem = id_problem(scenario_id)
    if problem is not None:
        raise ScenarioError(path, None, "", problem)
    doc = Document(path, read_text(path))
    values = doc.fill(doc.root, ROOT, "")
    dep, searches, expect = values["deployment"], values["searches"], values["expect"]
    plan = _search_plan(doc, searches, *_allowed_modules(path))
    request = _request(doc, path, dep, plan)
    scenario = Scenario(
        id=scenario_id,
        path=path,
        description=one_line(values["description"]),
        request=request,
        searches=plan,
        expect=Expectations(
            expect["tolerance"],
            expect["fewer_probes"],
            expect["never_more_probes"],
            tuple(expect["more_probes_allowed_at"]),
            _known_misses(doc, expect["known_misses"], plan),
            _same_probes(doc, expect["same_probes_as"], plan),
            no_more_seconds=expect["no_more_seconds"],
            fewer_seconds=expect["fewer_seconds"],
        ),
    )
    _check_keys(doc, scenario, expect, _check_deployments(doc, scenario, dep))
    return scenario


def _check_keys(doc: Document, scenario: Scenario, expect: dict, keys: list[str]) -> None:
    """Strategy keys the expectations name must be the scenario's."""
    known = set(keys)
    for key in scenario.expect.more_probes_allowed_at:
        if key not in known:
            raise doc.error(
                expect.get("__line__more_probes_allowed_at"),
                "expect.more_probes_allowed_at",
                f"{shown(key)} is not a strategy of this scenario "
                f"({did_you_mean(key, keys)}allowed: {', '.join(keys)})",
            )
    for miss in scenario.expect.known_misses:
        if miss.strategy is not None and miss.strategy not in known:
            node = expect["known_misses"][miss.search][0]
            raise doc.error(
                node,
                f"expect.known_misses.{miss.search}.{miss.strategy}",
                f"not a strategy of this scenario (allowed: {', '.join(keys)})",
            )


def _allowed_modules(path: Path) -> tuple[tuple[str, ...], str]:
    """The modules the scenario's project lets it name searches from, and the file that says."""
    project = layout_for(path)
    try:
        return project.search_modules(), display_path(project.root / "pyproject.toml")
    except SearchbenchError as error:
        raise ScenarioError(path, None, "", str(error)) from None


def _same_probes(doc: Document, entries: dict, plan: SearchPlan) -> tuple[tuple[str, str], ...]:
    names = plan.compared
    pairs = []
    for search, (node, reference) in entries.items():
        field = f"expect.same_probes_as.{plain(search)}"
        for name in (search, reference):
            if name not in names:
                raise doc.error(
                    node,
                    field,
                    f"{shown(name)} is not one of this scenario's searches "
                    f"({did_you_mean(name, names)}{', '.join(names)})",
                )
        if search == reference:
            raise doc.error(node, field, "a search always probes as itself; name another")
        pairs.append((search, reference))
    return tuple(pairs)


def _known_misses(doc: Document, entries: dict, plan: SearchPlan) -> tuple[KnownMiss, ...]:
    candidates = [c.name for c in plan.candidates]
    allowed = set(candidates)
    out = []
    for search, (node, value) in entries.items():
        field = f"expect.known_misses.{plain(search)}"
        if search not in allowed:
            near = did_you_mean(search, candidates)
            raise doc.error(
                node, field, f"not a candidate ({near}allowed: {', '.join(candidates)})"
            )
        reasons = value if isinstance(value, dict) else {None: value}
        for strategy, reason in reasons.items():
            if not reason.strip():
                raise doc.error(node, field, "give the reason the search misses")
            out.append(KnownMiss(search, strategy, one_line(reason)))
    return tuple(out)


def _request(doc: Document, path: Path, dep: dict, plan: SearchPlan) -> OptimizerRequest:
    written = [field.name for field in DEPLOYMENT.children if f"__line__{field.name}" in dep]
    kwargs = {name: dep[name] for name in written}
    for field in DEPLOYMENT.children:
        if field.kind == "mapping" and field.name in kwargs:
            section = kwargs.pop(field.name)
            kwargs[field.name] = True
            kwargs.update({c.name: section[c.name] for c in field.children})
            dep.update({f"__line__{c.name}": section.get(f"__line__{c.name}",
                        dep[f"__line__{field.name}"]) for c in field.children})  # fmt: skip
    model = str(kwargs["model"])
    if model.lower() not in {m.lower() for m in BUNDLED_MODEL_IDS}:
        local = path.parent / model
        try:
            if local.exists():
                kwargs["model"] = str(local)
        except OSError as error:
            node = dep.get("__line__model")
            raise doc.error(
                node, "deployment.model", f"not a usable path: {error.strerror}"
            ) from None
    draft = kwargs.get("draft_model_config_path")
    if isinstance(draft, str) and not Path(draft).is_absolute() and (path.parent / draft).exists():
        # A draft config beside the scenario is named relative to its file, as a model folder.
        kwargs["draft_model_config_path"] = str(path.parent / draft)
    try:
        return OptimizerRequest(**kwargs, searches=plan.all)
    except DeploymentError as error:
        node = dep.get(f"__line__{error.field}") or dep["__node__"]
        raise doc.error(node, f"deployment.{error.field}", error.message) from None
    except HarnessInputError as error:
        raise doc.error(dep["__node__"], "deployment", str(error)) from None


def _search_plan(
    doc: Document, searches: dict, modules: tuple[str, ...], config: str
) -> SearchPlan:
    """The searches by name, checked without importing any (``check_name``); the parameters of
    registered ones are checked here, an external search's when a run resolves it."""
    params = searches["params"]

    def run(name: str, node: yaml.Node | None, field: str) -> SearchRun:
        try:
            spec = check_name(name, modules, config)
        except SearchConfigError as error:
            raise doc.error(node, field, str(error)) from None
        values = {}
        if name in params:
            params_node, values = params[name]
            try:
                if spec is not None:
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
    _once_each(doc, node or searches.get("__line__oracle"), names)
    for name in params:
        if name not in set(names):
            raise doc.error(
                params[name][0],
                f"searches.params.{name}",
                f"not one of this scenario's searches ({', '.join(names)})",
            )
    return SearchPlan(baseline, candidates, oracle)


def _once_each(doc: Document, node: yaml.Node | None, names: list[str]) -> None:
    """Each search appears once, an alias counting as the search it names."""
    seen: dict[str, str] = {}
    for name in names:
        canonical = canonical_name(name)
        if canonical in seen:
            same = "" if seen[canonical] == name else f" ({seen[canonical]} and {name} are one)"
            raise doc.error(
                node, "searches", f"each search may appear once{same}, got {', '.join(names)}"
            )
        seen[canonical] = name


def _check_deployments(doc: Document, scenario: Scenario, dep: dict) -> list[str]:
    """Build every deployment the scenario will probe; return the strategy keys."""
    request = scenario.request
    try:
        strategies = request.strategies()
        for strategy in strategies:
            request.deployment(strategy, request.max_batched_tokens)
    except DeploymentError as error:
        if error.field not in dep:
            raise doc.error(dep["__node__"], "deployment", str(error)) from None
        node = dep.get(f"__line__{error.field}") or dep["__node__"]
        raise doc.error(node, f"deployment.{error.field}", error.message) from None
    repeated = [s for s in strategies if s.repeats > 1]
    if repeated:
        field = "ep_sizes" if request.ep_sizes is not None else "moe_dp_sizes"
        raise doc.error(
            dep.get(f"__line__{field}", dep["__node__"]),
            f"deployment.{field}",
            f"{request.model} is dense: EP and MoE-DP sizes only repeat its searches "
            f"({repeated[0].key} {repeated[0].repeats} times); remove {field}",
        )
    return [s.key for s in strategies]
