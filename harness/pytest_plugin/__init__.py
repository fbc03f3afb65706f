"""The pytest plugin: scenario YAML files become test items. Hooks only; the work is elsewhere.

It is opt-in. Installing searchbench registers it, but it collects nothing, touches no option
and prints nothing until a project declares it: ``searchbench_scenarios`` in the pytest
configuration (pyproject.toml, pytest.ini, tox.ini or setup.cfg), or ``--searchbench-scenarios
DIR`` on the command line. A project that does neither runs exactly as without searchbench.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.gates import flush
from harness.pytest_plugin.items import DIFF_PROPERTY, STATE, FuzzItem, ScenarioFile
from harness.pytest_plugin.session import SessionState
from harness.scenarios import Layout
from harness.scenarios.layout import BASELINES_KEY, DEFAULT_BASELINES, SCENARIOS_KEY
from harness.searches import load_plugins, msmodeling

SESSION = pytest.StashKey[pytest.Session]()
WRITE_PROBLEMS = "searchbench_write_problems"
_TIMING_OPTIONS = (
    "benchmark_only",
    "benchmark_compare",
    "benchmark_compare_fail",
    "benchmark_save",
    "benchmark_autosave",
    "benchmark_json",
    "benchmark_enable",
    "benchmark_histogram",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("searchbench", "searchbench scenario harness")
    group.addoption(
        "--update-baselines",
        action="store_true",
        help="rewrite stored answers and probe counts that changed or cannot be read "
        "(atomically) and print the diff",
    )
    group.addoption(
        "--searchbench-scenarios",
        metavar="DIR",
        help=f"collect scenario files from DIR (default: the {SCENARIOS_KEY} ini key; "
        "without either, searchbench collects nothing)",
    )
    group.addoption(
        "--searchbench-fuzz",
        type=int,
        metavar="N",
        help="add an item that fuzzes every search on N drawn deployments (searchbench fuzz)",
    )
    group.addoption(
        "--msmodeling",
        metavar="PATH",
        help="an msmodeling checkout for the msmodeling:* searches (or $SEARCHBENCH_MSMODELING)",
    )
    parser.addini(
        SCENARIOS_KEY,
        "folder of scenario YAML files; declaring it turns searchbench on",
        default=None,
    )
    parser.addini(
        BASELINES_KEY,
        f"folder of stored search baselines (default {DEFAULT_BASELINES})",
        default=None,
    )


def _layout(config: pytest.Config) -> Layout | None:
    """The project's layout when it declared searchbench, else None (the plugin stays idle)."""
    scenarios = config.getoption("searchbench_scenarios") or config.getini(SCENARIOS_KEY)
    if not scenarios:
        return None
    return Layout.of(Path(config.rootpath), str(scenarios), config.getini(BASELINES_KEY))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Plain ``pytest`` runs timing items once, untimed; options that want numbers time them.

    Under pytest-xdist, a scenario's items stay on one worker (``--dist loadfile``) unless the
    user chose a distribution, so no scenario is simulated twice.
    """
    layout = _layout(config)
    if layout is None:
        return
    option = config.option
    if hasattr(option, "benchmark_disable") and not any(
        getattr(option, name, None) for name in _TIMING_OPTIONS
    ):
        option.benchmark_disable = True
    if getattr(option, "dist", None) == "load" and not any(
        arg.startswith("--dist") for arg in config.invocation_params.args
    ):
        option.dist = "loadfile"
    if config.getoption("msmodeling"):
        msmodeling.configure(config.getoption("msmodeling"))
    invoked = Path(config.invocation_params.dir)
    explicit = set()
    for arg in config.args:
        candidate = Path(arg.split("::")[0])
        explicit.add((candidate if candidate.is_absolute() else invoked / candidate).absolute())
    config.stash[STATE] = SessionState(
        layout, config.getoption("update_baselines"), explicit_paths=explicit
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    state = parent.config.stash.get(STATE, None)
    if state is not None and state.wants(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def pytest_collect_directory(path: Path, parent: pytest.Collector):
    """A folder named like a scenario file fails as that scenario instead of being walked."""
    state = parent.config.stash.get(STATE, None)
    if state is not None and state.wants(path):
        return ScenarioFile.from_parent(parent, path=path)
    return None


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Dangling or looping links named like scenario files are neither files nor folders to
    pytest, which skips them without a word; each fails here as its own scenario item."""
    examples = config.getoption("searchbench_fuzz")
    if examples:
        items.append(FuzzItem.from_parent(session, name="searchbench-fuzz", examples=examples))
    state = config.stash.get(STATE, None)
    if state is None or not state.collects_scenarios(config.args, config.invocation_params.dir):
        return
    for path in state.broken_links():
        items.extend(ScenarioFile.from_parent(session, path=path).collect())


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[SESSION] = session


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Apply the writes the gates of this process asked for. An xdist worker flushes the writes
    of its own scenarios (a scenario stays on one worker) and hands failures to the controller,
    whose terminal summary runs after every worker has finished."""
    state = session.config.stash.get(STATE, None)
    if state is None:
        return
    problems = flush(state.pending_writes)
    state.pending_writes.clear()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WRITE_PROBLEMS] = problems
    else:
        state.write_problems += problems


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist: a worker finished; keep the writes it could not make."""
    state = node.config.stash.get(STATE, None)
    if state is not None:
        state.write_problems += getattr(node, "workeroutput", {}).get(WRITE_PROBLEMS, [])


@pytest.hookimpl(wrapper=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Report baselines, and turn pytest-benchmark's end-of-run regression into exit status 1."""
    try:
        result = yield
    except Exception as error:
        if type(error).__name__ != "PerformanceRegression" or STATE not in config.stash:
            raise
        result = None
        terminalreporter.section("searchbench: timing regressed", red=True)
        terminalreporter.write_line(
            "Slower than the stored run beyond --benchmark-compare-fail (scenario::item):"
        )
        session = getattr(config, "_benchmarksession", None)
        for name, failure in getattr(session, "performance_regressions", ()):
            terminalreporter.write_line(f"  {name}: {failure}")
        config.stash[SESSION].exitstatus = pytest.ExitCode.TESTS_FAILED
    _report_baselines(terminalreporter, config)
    if STATE in config.stash and load_plugins():
        terminalreporter.section("searchbench: search plugins that failed to load", yellow=True)
        for problem in load_plugins().values():
            terminalreporter.write_line(problem)
    return result


def _report_baselines(terminalreporter, config) -> None:
    state = config.stash.get(STATE, None)
    if state is None:
        return
    updates = [
        value
        for report in terminalreporter.getreports("passed")
        for name, value in getattr(report, "user_properties", ())
        if name == DIFF_PROPERTY
    ]
    if updates:
        terminalreporter.section("searchbench: baselines written")
        for text in updates:
            terminalreporter.write_line(text)
            terminalreporter.write_line("")
    if state.write_problems:
        terminalreporter.section("searchbench: files not written", red=True)
        for problem in state.write_problems:
            terminalreporter.write_line(problem)
        config.stash[SESSION].exitstatus = pytest.ExitCode.TESTS_FAILED
    stale = state.store.orphan_lines(state.scenario_ids(), state.layout.scenarios)
    if stale:
        terminalreporter.section("searchbench: baselines without a scenario")
        for line in stale:
            terminalreporter.write_line(line)


def pytest_benchmark_update_machine_info(config, machine_info: dict) -> None:
    """Drop what changes between identical runners (host name, clock), so compare stays quiet."""
    if STATE not in config.stash:
        return
    machine_info.pop("node", None)
    cpu = machine_info.get("cpu")
    if isinstance(cpu, dict):
        for noisy in ("hz_actual", "hz_actual_friendly"):
            cpu.pop(noisy, None)
