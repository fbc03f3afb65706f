"""A loaded scenario: one request, the searches it compares, and what they must achieve."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from harness.errors import SearchbenchError
from harness.request import OptimizerRequest, SearchRun, Strategy
from harness.scenarios.paths import display_path

DEFAULT_TOLERANCE = 0.02
"""How far a candidate's answer may be from the baseline's, unless a scenario says."""


class ScenarioError(SearchbenchError):
    """A bad scenario file: names the file, the line and the field."""

    def __init__(self, path: Path | str, line: int | None, field: str, message: str) -> None:
        self.path, self.line, self.field, self.message = str(path), line, field, message
        shown = display_path(path)
        where = f"{shown}:{line}" if line else shown
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


@dataclass(frozen=True)
class SearchPlan:
    baseline: SearchRun
    candidates: tuple[SearchRun, ...]
    oracle: SearchRun

    @property
    def all(self) -> tuple[SearchRun, ...]:
        return (self.baseline, *self.candidates, self.oracle)

    @property
    def compared(self) -> tuple[str, ...]:
        """The baseline and the candidates, by name: the searches whose probes are counted."""
        return (self.baseline.name, *(c.name for c in self.candidates))


@dataclass(frozen=True)
class KnownMiss:
    """A candidate declared to miss the baseline's answer (``strategy`` None: everywhere)."""

    search: str
    strategy: str | None
    reason: str


@dataclass(frozen=True)
class Expectations:
    tolerance: float
    fewer_probes: bool
    never_more_probes: bool
    more_probes_allowed_at: tuple[str, ...] = ()
    known_misses: tuple[KnownMiss, ...] = ()
    same_probes_as: tuple[tuple[str, str], ...] = ()
    """(search, reference): pairs whose probe sequences must be equal on every strategy."""
    no_more_seconds: bool = True
    fewer_seconds: bool = False

    def known_miss(self, search: str, strategy: str) -> KnownMiss | None:
        for miss in self.known_misses:
            if miss.search == search and miss.strategy in (None, strategy):
                return miss
        return None


@dataclass(frozen=True)
class Scenario:
    id: str
    """The file's path under the scenario folder, without its suffix (``qwen3-32b``, ``moe/x``);
    its baseline is ``baselines/search/<id>.json``."""
    path: Path
    description: str
    request: OptimizerRequest
    searches: SearchPlan
    expect: Expectations

    def strategies(self) -> list[Strategy]:
        return self.request.strategies()

    def strategy_keys(self) -> list[str]:
        """The item keys of the scenario's strategies and phases, known without any search."""
        return [s.key for s in self.strategies()]

    def request_for(self, searches: tuple[SearchRun, ...]) -> OptimizerRequest:
        """The same deployment with other searches (a timing item runs one at a time)."""
        return replace(self.request, searches=searches)
