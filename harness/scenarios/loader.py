"""Scenario files into ``Scenario`` values: the request from the knob table, the search plan and
the expectations, with every deployment built once so mistakes surface at load time."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import yaml

from harness.errors import DeploymentError, HarnessInputError
from harness.request import BUNDLED_MODEL_IDS, OptimizerRequest, SearchRun
from harness.scenarios.document import Document
from harness.scenarios.fields import DEPLOYMENT, ROOT
from harness.scenarios.model import (
    Expectations,
    KnownMiss,
    Scenario,
    ScenarioError,
    SearchPlan,
)
from harness.searches import SearchConfigError, get_search, make_params

MAX_FILE_BYTES = 1_000_000


def load_scenario(path: Path | str, scenario_id: str | None = None) -> Scenario:
    """Load and validate one scenario file; raise ScenarioError naming file, line and field.

    ``scenario_id`` defaults to the file's stem; discovery passes the path under the scenario
    folder so that files of the same name in two subfolders keep apart.
    """
    path = Path(path)
    doc = Document(path, read_text(path))
    values = doc.fill(doc.root, ROOT, "")
    dep, searches, expect = values["deployment"], values["searches"], values["expect"]
    plan = _search_plan(doc, searches)
    request = _request(doc, path, dep, plan)
    scenario = Scenario(
        id=scenario_id or path.stem,
        path=path,
        description=values["description"],
        request=request,
        searches=plan,
        expect=Expectations(
            expect["tolerance"],
            expect["fewer_probes"],
            expect["never_more_probes"],
            tuple(expect["more_probes_allowed_at"]),
            _known_misses(doc, expect["known_misses"], plan),
            _same_probes(doc, expect["same_probes_as"], plan),
        ),
    )
    keys = _check_deployments(doc, scenario, dep)
    for key in scenario.expect.more_probes_allowed_at:
        if key not in keys:
            raise doc.error(
                expect.get("__line__more_probes_allowed_at"),
                "expect.more_probes_allowed_at",
                f"{key!r} is not a strategy of this scenario (allowed: {', '.join(keys)})",
            )
    for miss in scenario.expect.known_misses:
        if miss.strategy is not None and miss.strategy not in keys:
            node = expect["known_misses"][miss.search][0]
            raise doc.error(
                node,
                f"expect.known_misses.{miss.search}.{miss.strategy}",
                f"not a strategy of this scenario (allowed: {', '.join(keys)})",
            )
    return scenario


def _same_probes(doc: Document, entries: dict, plan: SearchPlan) -> tuple[tuple[str, str], ...]:
    names = plan.compared
    pairs = []
    for search, (node, reference) in entries.items():
        for name in (search, reference):
            if name not in names:
                raise doc.error(
                    node,
                    f"expect.same_probes_as.{search}",
                    f"{name!r} is not one of this scenario's searches ({', '.join(names)})",
                )
        pairs.append((search, reference))
    return tuple(pairs)


def _known_misses(doc: Document, entries: dict, plan: SearchPlan) -> tuple[KnownMiss, ...]:
    candidates = [c.name for c in plan.candidates]
    out = []
    for search, (node, value) in entries.items():
        field = f"expect.known_misses.{search}"
        if search not in candidates:
            raise doc.error(node, field, f"not a candidate (allowed: {', '.join(candidates)})")
        reasons = value if isinstance(value, dict) else {None: value}
        for strategy, reason in reasons.items():
            if not reason.strip():
                raise doc.error(node, field, "give the reason the search misses")
            out.append(KnownMiss(search, strategy, reason))
    return tuple(out)


def read_text(path: Path) -> str:
    """The file as UTF-8 text, or a ScenarioError that says why not (a folder, a dangling or
    looping link, not a regular file, too big, another encoding, a NUL byte)."""
    data = _read_regular(path)
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(path, None, "", f"more than {MAX_FILE_BYTES:,} bytes; at most that")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        kind = " (UTF-16?)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise ScenarioError(
            path,
            None,
            "",
            f"not UTF-8 text{kind}: byte 0x{data[error.start]:02x} at offset {error.start}",
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ScenarioError(path, line, "", "a NUL byte; scenario files are text")
    return text


_NOT_REGULAR = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _read_regular(path: Path) -> bytes:
    """A regular file's bytes, at most ``MAX_FILE_BYTES``: opened without blocking (a FIFO
    would wait for a writer) and checked on the open descriptor, then read no further than
    the cap (a link to /dev/zero never ends)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if path.is_symlink() and error.errno in (errno.ENOENT, errno.ELOOP):
            raise ScenarioError(path, None, "", "a dangling or looping symbolic link") from None
        if error.errno == errno.EISDIR:
            raise ScenarioError(path, None, "", "a folder, not a scenario file") from None
        raise ScenarioError(path, None, "", f"cannot read: {error.strerror}") from None
    try:
        info = os.fstat(descriptor)
        _refuse_irregular(path, info)
        return _read_capped(descriptor, MAX_FILE_BYTES)
    except OSError as error:
        raise ScenarioError(path, None, "", f"cannot read: {error.strerror}") from None
    finally:
        os.close(descriptor)


def _read_capped(descriptor: int, cap: int) -> bytes:
    """Up to ``cap + 1`` bytes: one byte past the cap says the file is longer than allowed."""
    chunks, size = [], 0
    while size <= cap:
        chunk = os.read(descriptor, min(1 << 16, cap + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _refuse_irregular(path: Path, info: os.stat_result) -> None:
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise ScenarioError(path, None, "", "a folder, not a scenario file")
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _NOT_REGULAR if test(mode)), "not a file")
        if path.is_symlink():
            kind += f" (it links to {os.path.realpath(path)})"
        raise ScenarioError(
            path, None, "", f"not a regular file but {kind}; only regular files are read"
        )
    if info.st_size > MAX_FILE_BYTES:
        raise ScenarioError(path, None, "", f"{info.st_size:,} bytes; at most {MAX_FILE_BYTES:,}")


def _request(doc: Document, path: Path, dep: dict, plan: SearchPlan) -> OptimizerRequest:
    written = [field.name for field in DEPLOYMENT.children if f"__line__{field.name}" in dep]
    kwargs = {name: dep[name] for name in written}
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
    try:
        return OptimizerRequest(**kwargs, searches=plan.all)
    except HarnessInputError as error:
        raise doc.error(dep["__node__"], "deployment", str(error)) from None


def _search_plan(doc: Document, searches: dict) -> SearchPlan:
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
