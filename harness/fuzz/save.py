"""A fuzz finding as a ready-to-commit scenario file and its baseline."""

from __future__ import annotations

from pathlib import Path

from harness.fuzz.check import Violation
from harness.fuzz.run import FuzzSettings, describe
from harness.gates import BaselineStore, stored_results, write_atomic
from harness.request import OptimizerRequest
from harness.scenarios import find_layout, load_scenario, run_scenario, scenario_id
from harness.scenarios.writer import scenario_text


def save_finding(
    folder: Path, request: OptimizerRequest, found: list[Violation], settings: FuzzSettings
) -> tuple[Path, Path]:
    """Write ``<folder>/fuzz-seed<S>.yaml`` and its baseline in the project's baseline folder.

    The baseline stores today's (failing) run, so under pytest the scenario's answers or probes
    gate fails until the search is fixed; then regenerate the baseline and keep the scenario.
    """
    name = f"fuzz-seed{settings.seed}"
    path = folder / f"{name}.yaml"
    comments = [
        f"Found by: searchbench fuzz --seed {settings.seed} --examples {settings.examples}",
        f"Deployment: {describe(request)}",
        *(f"Failed: {violation}" for violation in found),
    ]
    searches = {"baseline": settings.baseline, "candidates": list(settings.candidates)}
    if settings.oracle != "exhaustive":
        searches["oracle"] = settings.oracle
    text = scenario_text(request, f"fuzz finding, seed {settings.seed}", comments, searches)
    write_atomic(path, text)
    layout = find_layout()
    scenario = load_scenario(path, scenario_id(path, layout.scenarios))
    store = BaselineStore(layout.baselines)
    baseline = store.write(scenario.id, stored_results(run_scenario(scenario)))
    return path, baseline
