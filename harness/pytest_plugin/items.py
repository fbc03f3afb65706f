"""The test items of one scenario file: ``answers[<strategy>]``, ``probes``, ``regression`` and
``timing[<search>]``; or one failing ``scenario`` item when the file does not load."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import SearchbenchError
from harness.gates import Check, GateItem, gate_items
from harness.optimizer import optimize
from harness.pytest_plugin.session import SessionState
from harness.request import SearchRun
from harness.scenarios import Scenario

STATE = pytest.StashKey[SessionState]()
DIFF_PROPERTY = "searchbench_baseline_update"
TIMING_ROUNDS = 5


class ScenarioFile(pytest.File):
    def collect(self):
        collected = self.config.stash[STATE].load(self.path)
        scenario, error = collected.scenario, collected.error
        if scenario is not None:
            try:
                items = gate_items(scenario.strategy_keys(), scenario)
            except SearchbenchError as refused:
                error = refused
        if error is not None:
            yield InvalidScenarioItem.from_parent(self, name="scenario", error=error)
            return
        for gate_item in items:
            item = CheckItem.from_parent(
                self, name=gate_item.name, scenario=scenario, gate_item=gate_item
            )
            if gate_item.strategy is not None:
                item.extra_keyword_matches.add(selector(gate_item.strategy))
            yield item
        for run in (scenario.searches.baseline, *scenario.searches.candidates):
            yield pytest.Function.from_parent(
                self, name=f"timing[{run.name}]", callobj=_timing(scenario, run)
            )


def selector(key: str) -> str:
    """A ``-k``-friendly spelling of a strategy key: ``TP=2,EP=4,decode`` -> ``TP2_EP4_decode``
    (``-k`` expressions cannot hold ``=`` or ``,``)."""
    return key.replace("=", "").replace(",", "_").replace("-", "")


class CheckFailed(Exception):
    def __init__(self, check: Check) -> None:
        super().__init__(check.summary)
        self.check = check


class CheckItem(pytest.Item):
    """One gate of the registry on one scenario; its writes wait for the end of the session."""

    def __init__(self, *, scenario: Scenario, gate_item: GateItem, **kwargs) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.gate_item = gate_item

    def runtest(self) -> None:
        state = self.config.stash[STATE]
        check = self.gate_item.judge(state.run_for(self.scenario), state.gate_context)
        state.pending_writes.extend(check.writes)
        if check.updates_baseline:
            self.user_properties.append((DIFF_PROPERTY, check.render()))
        if not check.passed:
            raise CheckFailed(check)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CheckFailed):
            return excinfo.value.check.render()
        if isinstance(excinfo.value, SearchbenchError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, 0, f"{self.scenario.id}::{self.name}"


class InvalidScenarioItem(pytest.Item):
    """A scenario that does not load fails alone, with one line; the others still run."""

    def __init__(self, *, error: SearchbenchError, **kwargs) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        raise self.error

    def repr_failure(self, excinfo, style=None):
        return f"invalid scenario: {self.error}"

    def reportinfo(self):
        line = getattr(self.error, "line", None) or 1
        return self.path, line - 1, "invalid scenario"


class FuzzItem(pytest.Item):
    """``--searchbench-fuzz=N``: ``searchbench fuzz --examples N`` as one item, judged against
    the same ledger with the same verdict (``--update-baselines`` rewrites the ledger)."""

    def __init__(self, *, examples: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.examples = examples

    def runtest(self) -> None:
        from harness.fuzz import FuzzSettings, ledger_path, load_ledger, run_gate
        from harness.fuzz.gate import updated_ledger
        from harness.fuzz.ledger import write
        from harness.fuzz.render import failures, render
        from harness.fuzz.settings import MAX_EXAMPLES

        if not 1 <= self.examples <= MAX_EXAMPLES:
            raise SearchbenchError(
                f"--searchbench-fuzz: must be 1..{MAX_EXAMPLES:,}, got {self.examples:,}"
            )
        settings = FuzzSettings(examples=self.examples)
        update = bool(self.config.getoption("update_baselines"))
        path = ledger_path(settings, Path(self.config.rootpath))
        ledger = load_ledger(settings, path, update)
        run = run_gate(settings, ledger)
        stop = run.report.stop
        if stop is not None and stop.reason == "interrupted":
            raise KeyboardInterrupt(str(stop))
        text = render(run)
        if update:
            written = write(updated_ledger(run, ledger))
            self.user_properties.append((DIFF_PROPERTY, f"fuzz ledger written: {written}"))
        if not (run.passed or (update and run.report.passed)):
            raise SearchbenchError("\n".join([text, *failures(run)]))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, SearchbenchError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"searchbench fuzz ({self.examples} deployments)"


def _timing(scenario: Scenario, search: SearchRun):
    def timing(benchmark) -> None:
        request = scenario.request_for((search,))
        outcomes = optimize(request)
        benchmark.group = scenario.id
        benchmark.extra_info["answers"] = {o.key: o.result.batch_size for o in outcomes}
        benchmark.extra_info["probes"] = {o.key: o.result.probes for o in outcomes}
        benchmark.pedantic(optimize, args=(request,), rounds=TIMING_ROUNDS, warmup_rounds=1)

    timing.__name__ = f"timing_{search.name}"
    return timing
