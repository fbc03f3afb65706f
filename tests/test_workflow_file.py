"""The pull-request workflow, validated against GitHub's workflow schema (check-jsonschema's
vendored copy, so no network is needed), read for the steps the README promises, and its
compare step run here as GitHub runs it, against a worse report: it must fail."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / ".github" / "workflows" / "searchbench.yml"
GITHUB_BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
"""How GitHub runs a step whose shell is ``bash``."""


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _steps() -> list[dict]:
    return _workflow()["jobs"]["gates"]["steps"]


def _step(name: str) -> dict:
    return next(step for step in _steps() if step.get("name") == name)


def test_the_workflow_matches_githubs_schema() -> None:
    pytest.importorskip("check_jsonschema", reason="check-jsonschema comes with the dev extra")
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema"]
    done = subprocess.run(
        [*command, "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_workflow_gates_reports_and_summarizes() -> None:
    steps = _steps()
    commands = "\n".join(step.get("run", "") for step in steps)
    assert "--junitxml=" in commands
    assert "bench/timing_gate.py --base ../base" in commands
    assert "run --format markdown" in commands and "$GITHUB_STEP_SUMMARY" in commands
    assert "run --format json" in commands and "compare reports/main.json" in commands
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert uploads and uploads[0]["with"]["path"] == "reports/"


def test_every_step_can_fail_and_the_reports_run_after_a_failure() -> None:
    """bash with pipefail everywhere; every step after the gates runs even when they failed."""
    assert _workflow()["defaults"]["run"]["shell"] == "bash"
    steps = _steps()
    gates = next(i for i, s in enumerate(steps) if s.get("name") == "Answers, probes and baselines")
    for step in steps:
        assert step.get("shell", "bash") == "bash", step.get("name")
        if "|" in re.sub(r"\|\|", "", step.get("run", "")):
            assert "set -o pipefail" in step["run"], step.get("name")
    for step in steps[gates + 1 :]:
        assert str(step.get("if", "")).startswith("always()"), step.get("name")
    for step in steps:
        if step.get("run"):
            done = subprocess.run(["bash", "-n"], input=step["run"], capture_output=True, text=True)
            assert done.returncode == 0, (step.get("name"), done.stderr)


def _run_step(name: str, workspace: Path) -> subprocess.CompletedProcess:
    """A step's script, run in ``workspace`` as GitHub would run it."""
    script = _step(name)["run"].replace("${{ github.base_ref }}", "main")
    env = {
        **os.environ,
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_STEP_SUMMARY": str(workspace / "summary.md"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(REPO),
    }
    (workspace / "step.sh").write_text(script)
    return subprocess.run(
        [*GITHUB_BASH, "step.sh"], cwd=workspace, env=env, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def main_report(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("main")
    scenario = REPO / "scenarios" / "qwen3-32b-8x-disagg-decode.yaml"
    command = [sys.executable, "-m", "harness", "run", str(scenario), "--format", "json"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    path = folder / "main.json"
    path.write_text(done.stdout)
    return path


def _workspace(tmp_path: Path, main_report: Path, edit=None) -> Path:
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(main_report, reports / "main.json")
    payload = json.loads(main_report.read_text())
    if edit:
        edit(payload)
    (reports / "searchbench.json").write_text(json.dumps(payload))
    return tmp_path


def test_the_compare_step_passes_the_same_report(tmp_path: Path, main_report: Path) -> None:
    done = _run_step("Compare with main", _workspace(tmp_path, main_report))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 of 12 rows fail" in (tmp_path / "summary.md").read_text()


def test_the_compare_step_fails_on_a_worse_report(tmp_path: Path, main_report: Path) -> None:
    def worse(payload):
        for row in payload["rows"]:
            if row["search"] == "two_point":
                row["probes"] += 1

    done = _run_step("Compare with main", _workspace(tmp_path, main_report, worse))
    assert done.returncode == 1, done.stdout + done.stderr
    summary = (tmp_path / "summary.md").read_text()
    assert "FAIL: probes" in summary and "of 12 rows fail" in summary


def test_the_compare_step_fails_on_a_missing_report(tmp_path: Path, main_report: Path) -> None:
    workspace = _workspace(tmp_path, main_report)
    (workspace / "reports" / "searchbench.json").write_text("")
    done = _run_step("Compare with main", workspace)
    assert done.returncode == 2 and "not a searchbench run report" in done.stderr


def test_the_calibrate_job_is_off_by_default_and_reports_the_drift() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as true
    dispatch = triggers["workflow_dispatch"]["inputs"]
    assert dispatch["calibrate"]["default"] is False
    assert {"msmodeling_path", "msmodeling_repository", "msmodeling_ref"} <= set(dispatch)
    job = workflow["jobs"]["calibrate"]
    assert "inputs.calibrate" in job["if"] and "vars.SEARCHBENCH_CALIBRATE_NIGHTLY" in job["if"]
    commands = "\n".join(step.get("run", "") for step in job["steps"])
    assert "calibrate rerecord" in commands and "$GITHUB_STEP_SUMMARY" in commands
