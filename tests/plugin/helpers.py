"""Build throwaway projects for pytester: scenarios, stored baselines, and tampered searches."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
BASELINES = REPO / "baselines" / "search"


def project(pytester, *scenario_ids: str, with_baselines: bool = True) -> Path:
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\nsearchbench_scenarios = scenarios\n")
    target = pytester.path / "scenarios"
    target.mkdir(exist_ok=True)
    (pytester.path / "baselines" / "search").mkdir(parents=True, exist_ok=True)
    if (SCENARIOS / "drafts").is_dir():  # the draft configs scenarios name beside them
        shutil.copytree(SCENARIOS / "drafts", target / "drafts", dirs_exist_ok=True)
    for scenario_id in scenario_ids:
        shutil.copy(SCENARIOS / f"{scenario_id}.yaml", target)
        if with_baselines:
            shutil.copy(BASELINES / f"{scenario_id}.json", pytester.path / "baselines" / "search")
    return target


def set_baseline_probes(
    pytester, scenario_id: str, strategy: str, search: str, probes: int
) -> Path:
    """Overwrite one stored probe count in the throwaway project; returns the baseline path."""
    path = pytester.path / "baselines" / "search" / f"{scenario_id}.json"
    stored = json.loads(path.read_text())
    stored["results"][strategy][search]["probes"] = probes
    path.write_text(json.dumps(stored))
    return path


def tamper(pytester, body: str) -> None:
    """A conftest that replaces registered searches before collection."""
    pytester.makeconftest(
        "import importlib\n"
        "from dataclasses import replace\n"
        "from harness import searches\n"
        "tp_module = importlib.import_module('harness.searches.two_point')\n" + body
    )
