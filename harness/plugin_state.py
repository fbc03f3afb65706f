"""Session state of the pytest plugin: where things live, and each scenario run once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.checks import ScenarioRun, run_scenario
from harness.scenario import Scenario


@dataclass
class SessionState:
    rootdir: Path
    scenario_dir: Path
    baseline_dir: Path
    update_baselines: bool
    explicit_paths: set[Path] = field(default_factory=set)
    _runs: dict[Path, ScenarioRun] = field(default_factory=dict)

    def run_for(self, scenario: Scenario) -> ScenarioRun:
        key = scenario.path.resolve()
        if key not in self._runs:
            self._runs[key] = run_scenario(scenario)
        return self._runs[key]

    def wants(self, path: Path) -> bool:
        """Scenario files: YAML under the scenario folder, or YAML named on the command line."""
        if path.suffix not in (".yaml", ".yml"):
            return False
        resolved = path.resolve()
        if resolved in self.explicit_paths:
            return True
        return self.scenario_dir in resolved.parents

    def scenario_ids(self) -> set[str]:
        if not self.scenario_dir.is_dir():
            return set()
        return {p.stem for p in self.scenario_dir.rglob("*.y*ml") if p.suffix in (".yaml", ".yml")}
