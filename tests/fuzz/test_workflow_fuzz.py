"""The workflow's fuzz: the ci profile against the committed ledger on every pull request (a step
that can fail), and a nightly matrix of 8 shards merged into one verdict, off by default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from harness.fuzz.settings import PROFILES

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = yaml.safe_load((REPO / ".github" / "workflows" / "searchbench.yml").read_text())


def step(job: str, name: str) -> dict:
    (found,) = [s for s in WORKFLOW["jobs"][job]["steps"] if s.get("name", "").startswith(name)]
    return found


def run_step(script: str, cwd: Path) -> subprocess.CompletedProcess:
    """The step's shell as GitHub runs it (bash -e), with this interpreter as ``python``."""
    bin_dir = cwd / "bin"
    bin_dir.mkdir(exist_ok=True)
    wrapper = bin_dir / "python"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_pull_requests_fuzz_the_ci_profile_against_the_ledger() -> None:
    fuzz = step("gates", "Fuzz against the committed ledger")
    assert fuzz["if"] == "always()"
    assert "set -o pipefail" in fuzz["run"]
    assert "fuzz --profile ci --format json > reports/fuzz.json" in fuzz["run"]
    assert "fuzz merge reports/fuzz.json | tee" in fuzz["run"]
    assert "$GITHUB_STEP_SUMMARY" in step("gates", "Fuzz summary")["run"]


def test_the_fuzz_step_fails_when_the_fuzz_does(tmp_path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\nsearchbench_scenarios = scenarios\n")
    ledger = tmp_path / "baselines" / "fuzz" / "ci.json"
    ledger.parent.mkdir(parents=True)
    ledger.write_text("{ not a ledger")
    done = run_step(step("gates", "Fuzz against the committed ledger")["run"], tmp_path)
    assert done.returncode != 0 and "ci.json: not JSON" in done.stderr


def test_the_nightly_matrix_shards_and_merges_off_by_default() -> None:
    triggers = WORKFLOW[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"pull_request", "push", "workflow_dispatch", "schedule"}
    assert triggers["workflow_dispatch"]["inputs"]["nightly-fuzz"]["default"] is False
    nightly = WORKFLOW["jobs"]["nightly-fuzz"]
    assert "pull_request" not in nightly["if"] and "inputs.nightly-fuzz" in nightly["if"]
    # The schedule is shared with the calibrate job: the fuzz needs its own repository variable.
    assert (
        "github.event_name == 'schedule' && vars.SEARCHBENCH_FUZZ_NIGHTLY == 'true'"
        in (nightly["if"])
    )
    assert nightly["strategy"]["matrix"]["shard"] == list(range(8))
    shard = step("nightly-fuzz", "Fuzz shard")["run"]
    assert "--profile nightly --shard ${{ matrix.shard }}/8 --format json" in shard
    assert PROFILES["nightly"] == 20000
    merge = WORKFLOW["jobs"]["nightly-fuzz-merge"]
    assert merge["needs"] == "nightly-fuzz"
    merged = step("nightly-fuzz-merge", "Merge the shards")["run"]
    assert "set -o pipefail" in merged and "fuzz merge shards/fuzz-shard-*.json" in merged
