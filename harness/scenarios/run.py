"""One run of a scenario: every search on every strategy, computed once and read by every gate,
table and plot."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from harness.optimizer import StrategyOutcome, optimize
from harness.scenarios.model import Scenario
from harness.searches import SearchResult


@dataclass(frozen=True)
class ScenarioRun:
    scenario: Scenario
    outcomes: tuple[StrategyOutcome, ...]

    @cached_property
    def keys(self) -> tuple[str, ...]:
        """Strategy keys in run order."""
        return tuple(dict.fromkeys(o.key for o in self.outcomes))

    @cached_property
    def _index(self) -> dict[tuple[str, str], StrategyOutcome]:
        return {(o.key, o.result.search): o for o in self.outcomes}

    def outcome(self, key: str, search: str) -> StrategyOutcome:
        return self._index[key, search]

    def result(self, key: str, search: str) -> SearchResult:
        return self._index[key, search].result


def run_scenario(scenario: Scenario) -> ScenarioRun:
    return ScenarioRun(scenario, tuple(optimize(scenario.request)))
