"""The pytest plugin: scenario YAML files become test items. Hooks only; the work is elsewhere.

Items per scenario: ``answers[<strategy>]`` for each parallel strategy, ``probes``,
``regression`` and ``timing[<search>]`` (a pytest-benchmark item per search).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import baselines
from harness.checks import (
    Check,
    answers_check,
    probes_check,
    regression_check,
)
from harness.optimizer import optimize
from harness.plugin_state import SessionState
from harness.scenario import Scenario, ScenarioError, load_scenario

STATE = pytest.StashKey[SessionState]()
SESSION = pytest.StashKey[pytest.Session]()
DIFF_PROPERTY = "searchbench_baseline_update"
TIMING_ROUNDS = 5
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
        help="rewrite stored answers and probe counts that changed (atomically) and print the diff",
    )
    parser.addini("searchbench_scenarios", "folder of scenario YAML files", default="scenarios")
    parser.addini(
        "searchbench_baselines", "folder of stored search baselines", default="baselines/search"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Plain ``pytest`` runs timing items once, untimed; options that want numbers time them."""
    option = config.option
    if hasattr(option, "benchmark_disable") and not any(
        getattr(option, name, None) for name in _TIMING_OPTIONS
    ):
        option.benchmark_disable = True
    root = Path(config.rootpath)
    explicit = set()
    for arg in config.args:
        candidate = Path(arg.split("::")[0])
        if not candidate.is_absolute():
            candidate = Path(config.invocation_params.dir) / candidate
        explicit.add(candidate.resolve())
    config.stash[STATE] = SessionState(
        rootdir=root,
        scenario_dir=(root / config.getini("searchbench_scenarios")).resolve(),
        baseline_dir=(root / config.getini("searchbench_baselines")).resolve(),
        update_baselines=config.getoption("update_baselines"),
        explicit_paths=explicit,
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    state = parent.config.stash[STATE]
    if state.wants(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self):
        try:
            scenario = load_scenario(self.path)
        except ScenarioError as error:
            yield InvalidScenarioItem.from_parent(self, name="scenario", error=error)
            return
        for key in scenario.strategy_keys():
            yield CheckItem.from_parent(self, name=f"answers[{key}]", scenario=scenario, key=key)
        yield CheckItem.from_parent(self, name="probes", scenario=scenario, key=None)
        yield CheckItem.from_parent(self, name="regression", scenario=scenario, key=None)
        for run in (scenario.searches.baseline, *scenario.searches.candidates):
            yield pytest.Function.from_parent(
                self, name=f"timing[{run.name}]", callobj=_timing(scenario, run)
            )


class CheckFailed(Exception):
    def __init__(self, check: Check) -> None:
        super().__init__(check.summary)
        self.check = check


class CheckItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, key: str | None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.key = key

    def runtest(self) -> None:
        state = self.config.stash[STATE]
        run = state.run_for(self.scenario)
        if self.key is not None:
            check = answers_check(run, self.key)
        elif self.name == "probes":
            check = probes_check(run)
        else:
            check = regression_check(run, state.baseline_dir, state.update_baselines)
            if state.update_baselines and "baseline unchanged" not in check.summary:
                self.user_properties.append((DIFF_PROPERTY, check.render()))
        if not check.passed:
            raise CheckFailed(check)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CheckFailed):
            return excinfo.value.check.render()
        if isinstance(excinfo.value, baselines.BaselineError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, 0, f"{self.scenario.id}::{self.name}"


class InvalidScenarioItem(pytest.Item):
    """A scenario that does not load fails alone, with one line; the others still run."""

    def __init__(self, *, error: ScenarioError, **kwargs) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        raise self.error

    def repr_failure(self, excinfo, style=None):
        return f"invalid scenario: {self.error}"

    def reportinfo(self):
        return self.path, (self.error.line or 1) - 1, "invalid scenario"


def _timing(scenario: Scenario, search):
    def timing(benchmark) -> None:
        run = benchmark_run = scenario.request(searches=(search,))
        outcomes = optimize(benchmark_run)
        benchmark.group = scenario.id
        benchmark.extra_info["answers"] = {o.key: o.result.batch_size for o in outcomes}
        benchmark.extra_info["probes"] = {o.key: o.result.probes for o in outcomes}
        benchmark.pedantic(optimize, args=(run,), rounds=TIMING_ROUNDS, warmup_rounds=1)

    timing.__name__ = f"timing_{search.name}"
    return timing


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[SESSION] = session


@pytest.hookimpl(wrapper=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Report baselines, and turn pytest-benchmark's end-of-run regression into exit status 1."""
    try:
        result = yield
    except Exception as error:
        if type(error).__name__ != "PerformanceRegression":
            raise
        result = None
        terminalreporter.section("searchbench: timing regressed", red=True)
        terminalreporter.write_line(
            "Benchmarks above are slower than the stored run beyond --benchmark-compare-fail."
        )
        config.stash[SESSION].exitstatus = pytest.ExitCode.TESTS_FAILED
    _report_baselines(terminalreporter, config)
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
    stale = baselines.orphans(state.baseline_dir, state.scenario_ids())
    if stale:
        terminalreporter.section("searchbench: baselines without a scenario")
        for path in stale:
            terminalreporter.write_line(f"{path} (no scenarios/{path.stem}.yaml; delete it?)")


def pytest_benchmark_update_machine_info(config, machine_info: dict) -> None:
    """Drop what changes between identical runners (host name, clock), so compare stays quiet."""
    machine_info.pop("node", None)
    cpu = machine_info.get("cpu")
    if isinstance(cpu, dict):
        for noisy in ("hz_actual", "hz_actual_friendly"):
            cpu.pop(noisy, None)
