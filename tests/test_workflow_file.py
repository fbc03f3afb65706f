"""The pull-request workflow, validated against GitHub's workflow schema (check-jsonschema's
vendored copy, so no network is needed) and read for the steps the README promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

WORKFLOW = Path(__file__).resolve().parents[1] / ".github" / "workflows" / "searchbench.yml"


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
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["gates"]["steps"]
    commands = "\n".join(step.get("run", "") for step in steps)
    assert "--junitxml=" in commands
    assert "--benchmark-compare" in commands and "--benchmark-compare-fail=median:100%" in commands
    assert "run --format markdown" in commands and "$GITHUB_STEP_SUMMARY" in commands
    assert "run --format json" in commands and "compare reports/main.json" in commands
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert uploads and uploads[0]["with"]["path"] == "reports/"


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
