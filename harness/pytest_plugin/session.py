"""Session state of the pytest plugin: where things live, each scenario run once, and the
writes the gates asked for, flushed when the session ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from harness.gates import BaselineStore, GateContext, PendingWrite
from harness.scenarios import (
    Claims,
    CollectedScenario,
    Layout,
    Scenario,
    ScenarioFile,
    ScenarioRun,
    discover,
    load_collected,
    run_scenario,
    scenario_id,
)
from harness.scenarios.discovery import is_scenario_path


@dataclass
class SessionState:
    layout: Layout
    update_baselines: bool
    explicit_paths: set[Path] = field(default_factory=set)
    pending_writes: list[PendingWrite] = field(default_factory=list)
    write_problems: list[str] = field(default_factory=list)
    """Writes that failed at the end of the session, in this process or a worker."""
    _runs: dict[Path, ScenarioRun] = field(default_factory=dict)

    @cached_property
    def store(self) -> BaselineStore:
        return BaselineStore(self.layout.baselines)

    @cached_property
    def gate_context(self) -> GateContext:
        return GateContext(self.store, self.update_baselines)

    def run_for(self, scenario: Scenario) -> ScenarioRun:
        key = scenario.path.resolve()
        if key not in self._runs:
            self._runs[key] = run_scenario(scenario)
        return self._runs[key]

    def wants(self, path: Path) -> bool:
        """Scenario files: YAML under the scenario folder, or YAML named on the command line."""
        if not is_scenario_path(path):
            return False
        resolved = path.absolute()
        if resolved in self.explicit_paths:
            return True
        return self.layout.scenarios in resolved.parents

    def collects_scenarios(self, args: list[str], invoked: Path) -> bool:
        """Whether this run's paths reach the scenario folder."""
        root = self.layout.scenarios
        for arg in args:
            path = Path(arg.split("::")[0])
            path = (path if path.is_absolute() else invoked / path).absolute()
            if path == root or path in root.parents:
                return True
        return False

    def broken_links(self) -> list[Path]:
        """Links under the scenario folder, named like scenario files, that lead nowhere."""
        if not self.layout.scenarios.is_dir():
            return []
        return [
            f.path
            for f in discover([self.layout.scenarios], self.layout.scenarios)
            if f.path.is_symlink() and not f.path.exists()
        ]

    def scenario_id(self, path: Path) -> str:
        return scenario_id(path, self.layout.scenarios)

    def _collected_paths(self) -> list[Path]:
        """What this session collects as scenarios: the folder (when a path reaches it), its
        subfolders named on the command line, and scenario files named there."""
        root = self.layout.scenarios
        out = []
        for path in sorted(self.explicit_paths):
            if path == root or path in root.parents:
                out.append(root)
            elif is_scenario_path(path) or (root in path.parents and path.is_dir()):
                out.append(path)
        return out

    @cached_property
    def _claims(self) -> Claims:
        root = self.layout.scenarios
        return Claims.among(discover(self._collected_paths(), root), root)

    def load(self, path: Path) -> CollectedScenario:
        """One collected file, loaded or refused, by the same rules as ``searchbench run``."""
        return load_collected(ScenarioFile(path, self.scenario_id(path)), self._claims)

    def scenario_ids(self) -> set[str]:
        if not self.layout.scenarios.is_dir():
            return set()
        return {f.id for f in discover([self.layout.scenarios], self.layout.scenarios)}
