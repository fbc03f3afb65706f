"""A fuzz finding as a ready-to-commit scenario file and its baseline.

``--save DIR`` is checked before the run (``check_folder``): a path that exists and is not a
folder is refused then, not after minutes of fuzzing. Each finding gets a name no file has yet
(``fuzz-seed<S>.yaml``, then ``fuzz-seed<S>-2.yaml``, ...), so nothing is overwritten and no
shrunk case is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from harness.errors import HarnessInputError, SearchbenchError
from harness.fuzz.report import Found, where
from harness.fuzz.settings import FuzzSettings
from harness.gates import BaselineStore, stored_results
from harness.gates.store import write_atomic
from harness.request import OptimizerRequest, request_knobs
from harness.scenarios import find_layout, load_scenario, run_scenario, scenario_id
from harness.scenarios.paths import display_path
from harness.scenarios.writer import scenario_text

SUFFIXES = (".yaml", ".yml")
MAX_NAMES = 10_000


class SaveError(SearchbenchError):
    """``--save`` cannot write there."""


def check_folder(folder: Path) -> None:
    """Refuse, before any fuzzing, a ``--save`` target that cannot become a scenario folder."""
    for path in (folder, *folder.parents):
        if path.exists():
            if not path.is_dir():
                raise SaveError(
                    f"--save {display_path(folder)}: {display_path(path)} is a file, not a "
                    "folder; give the folder to write scenario files in"
                )
            return


def save_finding(folder: Path, found: Found, settings: FuzzSettings) -> tuple[Path, Path]:
    """Write the finding (shrunk, if it was) as a scenario under a new name, and its baseline
    in the project's baseline folder.

    The baseline stores today's (failing) run, so under pytest the scenario's answers or probes
    gate fails until the search is fixed; then regenerate the baseline and keep the scenario.
    """
    check_folder(folder)
    layout = find_layout()
    store = BaselineStore(layout.baselines)
    path = _free_name(folder, f"fuzz-seed{settings.seed}", layout.scenarios, store)
    shrunk = found.shrunk
    deployment = shrunk.deployment if shrunk else found.deployment
    request = (shrunk.request if shrunk else found.request) or request_from(deployment, settings)
    finding = shrunk.finding if shrunk else found.finding
    comments = [
        f"Found by: searchbench fuzz --seed {settings.seed} --examples {settings.examples} "
        f"(draw {found.index})",
        f"Drawn: {found.where}",
        *([f"Shrunk to: {where(deployment)}"] if shrunk else []),
        f"Failed: {finding}",
    ]
    searches = {"baseline": settings.baseline, "candidates": list(settings.candidates)}
    if settings.oracle != "exhaustive":
        searches["oracle"] = settings.oracle
    text = scenario_text(request, f"fuzz finding, seed {settings.seed}", comments, searches)
    write_atomic(path, text)
    scenario = load_scenario(path, scenario_id(path, layout.scenarios))
    baseline = store.write(scenario.id, stored_results(run_scenario(scenario)))
    return path, baseline


def _free_name(folder: Path, stem: str, scenarios: Path, store: BaselineStore) -> Path:
    for number in range(1, MAX_NAMES):
        name = stem if number == 1 else f"{stem}-{number}"
        taken = any((folder / f"{name}{suffix}").exists() for suffix in SUFFIXES)
        path = folder / f"{name}.yaml"
        if not taken and not store.path(scenario_id(path, scenarios)).exists():
            return path
    raise SaveError(f"--save {display_path(folder)}: {MAX_NAMES} fuzz findings already there")


def request_from(deployment: Mapping[str, object], settings: FuzzSettings) -> OptimizerRequest:
    """The request a deployment mapping (as ``--save`` and the ledger write it) stands for."""
    values = {}
    for declared in request_knobs():
        if declared.name in deployment:

            def fail(message: str, index: int | None = None, name: str = declared.name):
                raise HarnessInputError(f"{name}: {message}")

            values[declared.name] = declared.kind.parse(deployment[declared.name], fail)
    return OptimizerRequest(**values, searches=settings.runs)
