"""Discover, refuse colliding ids, load: the one flow from paths to scenarios, taken by
``searchbench run``, ``searchbench validate`` and the pytest plugin.

An id is refused when two files claim it among the files collected together, or among the
scenario folder's own files (``x.yaml`` beside ``x.yml``), however the run names them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import SearchbenchError
from harness.scenarios.discovery import (
    ScenarioFile,
    collisions,
    discover,
    refuse_collision,
    same_name,
)
from harness.scenarios.loader import load_scenario
from harness.scenarios.model import Scenario


@dataclass(frozen=True)
class CollectedScenario:
    """A scenario file and what became of it: the loaded scenario, or the error that refused
    it (exactly one of the two is set)."""

    file: ScenarioFile
    scenario: Scenario | None = None
    error: SearchbenchError | None = None


@dataclass(frozen=True)
class Claims:
    """Scenario ids that more than one file claims, with those files."""

    by_id: Mapping[str, tuple[Path, ...]] = field(default_factory=dict)

    @classmethod
    def among(cls, files: Iterable[ScenarioFile], scenario_root: Path) -> Claims:
        """The ids claimed twice among ``files`` or within the scenario folder."""
        folder = discover([scenario_root], scenario_root) if scenario_root.is_dir() else []
        merged: dict[str, list[Path]] = {}
        for found in (collisions(folder), collisions(files)):
            for scenario_id, paths in found.items():
                known = merged.setdefault(scenario_id, [])
                for path in paths:
                    if not any(same_name(path, other) for other in known):
                        known.append(path)
        return cls({key: tuple(paths) for key, paths in merged.items() if len(paths) > 1})

    def claimants(self, scenario_id: str) -> tuple[Path, ...]:
        return self.by_id.get(scenario_id, ())


def load_collected(file: ScenarioFile, claims: Claims) -> CollectedScenario:
    """One file, refused when another file claims its id, else loaded; never raises a
    ``SearchbenchError``."""
    try:
        refuse_collision(file.path, file.id, claims.claimants(file.id))
        return CollectedScenario(file, scenario=load_scenario(file.path, file.id))
    except SearchbenchError as error:
        return CollectedScenario(file, error=error)


def collect_scenarios(
    paths: Iterable[Path | str], scenario_root: Path
) -> Iterator[CollectedScenario]:
    """Each scenario file under ``paths`` (files, or folders to walk), in discovery order,
    loaded or refused."""
    files = discover(paths, scenario_root)
    claims = Claims.among(files, scenario_root)
    for file in files:
        yield load_collected(file, claims)
