"""Every gate once, in item order. The pytest plugin collects its items from ``gate_items`` and
``searchbench run`` judges them with ``judge_all``, so both read the same list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from harness.gates.answers import answers_check
from harness.gates.check import Check
from harness.gates.pairing import pairing_check
from harness.gates.probes import probes_check
from harness.gates.regression import regression_check
from harness.gates.seconds import seconds_check
from harness.gates.store import BaselineStore
from harness.scenarios import Scenario, ScenarioRun


@dataclass(frozen=True)
class GateContext:
    """What a gate reads besides the run: the stored baselines, and whether it may replace
    them (``--update-baselines``)."""

    store: BaselineStore
    update_baselines: bool = False


Judge = Callable[[ScenarioRun, str | None, GateContext], Check]


@dataclass(frozen=True)
class Gate:
    """A gate's name, and its judge: a pure function of the run (and, for a per-strategy
    gate, the strategy key) to a ``Check``."""

    name: str
    judge: Judge
    per_strategy: bool = False
    applies: Callable[[Scenario], bool] | None = None
    """Which scenarios have this gate (None: every one)."""

    def items(
        self, strategy_keys: Sequence[str], scenario: Scenario | None = None
    ) -> tuple[GateItem, ...]:
        if self.applies is not None and (scenario is None or not self.applies(scenario)):
            return ()
        if self.per_strategy:
            return tuple(GateItem(self, key) for key in strategy_keys)
        return (GateItem(self),)


@dataclass(frozen=True)
class GateItem:
    """One gate on one scenario: ``answers[TP=8]``, ``probes``, ``regression``."""

    gate: Gate
    strategy: str | None = None

    @property
    def name(self) -> str:
        return self.gate.name if self.strategy is None else f"{self.gate.name}[{self.strategy}]"

    def judge(self, run: ScenarioRun, context: GateContext) -> Check:
        return self.gate.judge(run, self.strategy, context)


def _answers(run: ScenarioRun, strategy: str | None, context: GateContext) -> Check:
    assert strategy is not None
    return answers_check(run, strategy)


def _probes(run: ScenarioRun, strategy: str | None, context: GateContext) -> Check:
    return probes_check(run)


def _seconds(run: ScenarioRun, strategy: str | None, context: GateContext) -> Check:
    return seconds_check(run)


def _pairing(run: ScenarioRun, strategy: str | None, context: GateContext) -> Check:
    return pairing_check(run)


def _pd_ratio(scenario: Scenario) -> bool:
    return scenario.request.pd_ratio


def _regression(run: ScenarioRun, strategy: str | None, context: GateContext) -> Check:
    return regression_check(run, context.store, context.update_baselines)


GATES: tuple[Gate, ...] = (
    Gate("answers", _answers, per_strategy=True),
    Gate("probes", _probes),
    Gate("seconds", _seconds),
    Gate("pairing", _pairing, applies=_pd_ratio),
    Gate("regression", _regression),
)


def gate_items(
    strategy_keys: Sequence[str], scenario: Scenario | None = None
) -> tuple[GateItem, ...]:
    """Every gate item of a scenario with these strategies, in item order (a gate for some
    scenarios only, such as ``pairing`` for PD-ratio ones, needs the scenario)."""
    return tuple(item for gate in GATES for item in gate.items(strategy_keys, scenario))


def judge_all(run: ScenarioRun, context: GateContext) -> list[Check]:
    """Every gate's verdict on one run, in item order."""
    return [item.judge(run, context) for item in gate_items(run.keys, run.scenario)]
