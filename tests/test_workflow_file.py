"""The pull-request workflow, validated against GitHub's workflow schema (check-jsonschema's
vendored copy, so no network is needed), read for the steps the README promises, and its
steps run here as GitHub runs them: the compare step against a worse report (it must fail),
the merge base's report taken from the history branch or built, and the history job pushing
a report to its branch in a repository made for the test."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workflow_steps import REPO, WORKFLOWS, git, run_step, step, steps, workflow

GATES = "searchbench.yml"
COMMENT = "searchbench-comment.yml"


def _steps() -> list[dict]:
    return steps(GATES, "gates")


def _run(title: str, workspace: Path, contexts=None, env=None, job: str = "gates"):
    return run_step(GATES, job, title, workspace, contexts, env)


@pytest.mark.parametrize("name", [GATES, COMMENT])
def test_the_workflow_matches_githubs_schema(name: str) -> None:
    pytest.importorskip("check_jsonschema", reason="check-jsonschema comes with the dev extra")
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema"]
    done = subprocess.run(
        [*command, "vendor.github-workflows", str(WORKFLOWS / name)],
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
    assert "run --format json" in commands and "compare reports/base.json" in commands
    uploads = {
        s["with"]["name"]: s["with"]["path"]
        for s in steps
        if str(s.get("uses", "")).startswith("actions/upload-artifact")
    }
    assert uploads == {
        "searchbench-reports": "reports/",
        "searchbench-dashboard": "reports/dashboard/",
        "searchbench-comment": "reports/comment/",
    }


def test_a_pull_request_is_compared_with_its_merge_base() -> None:
    checkout = _steps()[0]
    assert checkout["uses"] == "actions/checkout@v4"
    assert checkout["with"]["ref"] == "${{ github.event.pull_request.head.sha || github.sha }}"
    assert checkout["with"]["fetch-depth"] == 0
    base = step(GATES, "gates", "Check out the base")["run"]
    assert "git merge-base FETCH_HEAD HEAD" in base and "git worktree add ../base" in base


def test_only_the_history_job_may_write_and_only_on_main() -> None:
    jobs = workflow(GATES)["jobs"]
    assert workflow(GATES)["permissions"] == {"contents": "read"}
    assert "permissions" not in jobs["gates"]
    history = jobs["history"]
    assert history["permissions"] == {"contents": "write"}
    assert "github.event_name == 'push'" in history["if"] and history["needs"] == "gates"
    assert workflow(GATES)[True]["push"]["branches"] == ["main"]  # YAML reads `on` as True


def test_every_step_can_fail_and_the_reports_run_after_a_failure() -> None:
    """bash with pipefail everywhere; every step after the gates runs even when they failed."""
    assert workflow(GATES)["defaults"]["run"]["shell"] == "bash"
    steps = _steps()
    gates = next(i for i, s in enumerate(steps) if s.get("name") == "Answers, probes and baselines")
    every = [*steps, *workflow(GATES)["jobs"]["history"]["steps"]]
    for step_ in every:
        assert step_.get("shell", "bash") == "bash", step_.get("name")
        if "|" in re.sub(r"\|\|", "", step_.get("run", "")):
            assert "set -o pipefail" in step_["run"], step_.get("name")
    for step_ in steps[gates + 1 :]:
        assert str(step_.get("if", "")).startswith("always()"), step_.get("name")
    for step_ in every:
        if step_.get("run"):
            done = subprocess.run(
                ["bash", "-n"], input=step_["run"], capture_output=True, text=True
            )
            assert done.returncode == 0, (step_.get("name"), done.stderr)


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
    shutil.copy(main_report, reports / "base.json")
    payload = json.loads(main_report.read_text())
    if edit:
        edit(payload)
    (reports / "searchbench.json").write_text(json.dumps(payload))
    return tmp_path


def test_the_compare_step_passes_the_same_report(tmp_path: Path, main_report: Path) -> None:
    done = _run("Compare with the base", _workspace(tmp_path, main_report))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 of 12 rows fail" in (tmp_path / "summary.md").read_text()


def test_the_compare_step_fails_on_a_worse_report(tmp_path: Path, main_report: Path) -> None:
    def worse(payload):
        for row in payload["rows"]:
            if row["search"] == "two_point":
                row["probes"] += 1

    done = _run("Compare with the base", _workspace(tmp_path, main_report, worse))
    assert done.returncode == 1, done.stdout + done.stderr
    summary = (tmp_path / "summary.md").read_text()
    assert "FAIL: probes" in summary and "of 12 rows fail" in summary


def test_the_compare_step_fails_on_a_missing_report(tmp_path: Path, main_report: Path) -> None:
    workspace = _workspace(tmp_path, main_report)
    (workspace / "reports" / "searchbench.json").write_text("")
    done = _run("Compare with the base", workspace)
    assert done.returncode == 2 and "not a searchbench run report" in done.stderr


def test_the_calibrate_job_is_off_by_default_and_reports_the_drift() -> None:
    gates = workflow(GATES)
    triggers = gates.get("on", gates.get(True))  # YAML 1.1 reads the key `on` as true
    dispatch = triggers["workflow_dispatch"]["inputs"]
    assert dispatch["calibrate"]["default"] is False
    assert {"msmodeling_path", "msmodeling_repository", "msmodeling_ref"} <= set(dispatch)
    job = gates["jobs"]["calibrate"]
    assert "inputs.calibrate" in job["if"] and "vars.SEARCHBENCH_CALIBRATE_NIGHTLY" in job["if"]
    commands = "\n".join(step.get("run", "") for step in job["steps"])
    assert "calibrate rerecord" in commands and "$GITHUB_STEP_SUMMARY" in commands


FAKE_RUN = 'import sys\nprint(\'{"format": "searchbench-run", "version": 1, "rows": []}\')\n'
"""A stand-in `python -m harness` in the test repository: what `run` prints when the merge
base is built."""


def _origin_with_a_pull_request(tmp_path: Path, history_of_base: bool) -> tuple[Path, str]:
    """A bare origin with main (base, then one more commit), optionally a history branch
    holding the base's report, and a clone at a pull request branched from the base."""
    origin, seed = tmp_path / "origin.git", tmp_path / "seed"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    git(tmp_path, "init", "-q", str(seed))
    (seed / "harness").mkdir()
    (seed / "harness" / "__init__.py").write_text("")
    (seed / "harness" / "__main__.py").write_text(FAKE_RUN)
    git(seed, "add", ".")
    git(seed, "commit", "-qm", "base")
    base = git(seed, "rev-parse", "HEAD")
    git(seed, "commit", "-qm", "main moves on", "--allow-empty")
    git(seed, "push", "-q", str(origin), "HEAD:refs/heads/main")
    git(seed, "checkout", "-q", "-b", "pr", base)
    git(seed, "commit", "-qm", "the pull request", "--allow-empty")
    git(seed, "push", "-q", str(origin), "HEAD:refs/heads/pr")
    if history_of_base:
        git(seed, "checkout", "-q", "--orphan", "searchbench-history")
        git(seed, "rm", "-rqf", ".")
        (seed / "history").mkdir()
        (seed / "history" / f"{base}.json").write_text('{"from": "the history branch"}\n')
        git(seed, "add", "history")
        git(seed, "commit", "-qm", "history")
        git(seed, "push", "-q", str(origin), "HEAD:refs/heads/searchbench-history")
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", "--branch", "pr", str(origin), str(work))
    return work, base


@pytest.mark.parametrize("in_history", [True, False], ids=["from the history", "built"])
def test_the_base_report_is_the_merge_bases(tmp_path: Path, in_history: bool) -> None:
    work, base = _origin_with_a_pull_request(tmp_path, in_history)
    done = _run("Check out the base", work, {"github.base_ref": "main"})
    assert done.returncode == 0, done.stderr
    assert (work / "github.env").read_text() == f"BASE_SHA={base}\n"
    assert git(tmp_path / "base", "rev-parse", "HEAD") == base
    done = _run("Report the base", work, env={"BASE_SHA": base})
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((work / "reports" / "base.json").read_text())
    if in_history:
        assert report == {"from": "the history branch"}
        assert f"the report of the merge base {base}, from searchbench-history" in done.stdout
    else:
        assert report["format"] == "searchbench-run" and report["rows"] == []
        assert f"no report of the merge base {base} in searchbench-history" in done.stdout


def test_the_history_job_pushes_each_commits_report(tmp_path: Path, main_report: Path) -> None:
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    git(tmp_path, "init", "-q", str(work))
    (work / "reports").mkdir()
    shutil.copy(main_report, work / "reports" / "searchbench.json")
    git(work, "remote", "add", "origin", str(origin))
    shas = []
    for subject in ("first on main", "second on main"):
        git(work, "commit", "-qm", subject, "--allow-empty")
        git(work, "push", "-q", "origin", "HEAD:refs/heads/main")
        shas.append(git(work, "rev-parse", "HEAD"))
        shutil.rmtree(tmp_path / "history", ignore_errors=True)
        git(work, "worktree", "prune")
        done = _run(
            "Record in the history branch", work, env={"GITHUB_SHA": shas[-1]}, job="history"
        )
        assert done.returncode == 0, done.stdout + done.stderr
    files = git(origin, "ls-tree", "--name-only", "searchbench-history", "history/").split()
    assert files == sorted(f"history/{sha}.json" for sha in shas)
    log = git(origin, "log", "--format=%s", "searchbench-history").splitlines()
    assert log == [f"searchbench history: {sha[:7]}" for sha in reversed(shas)]
    entry = json.loads(git(origin, "show", f"searchbench-history:history/{shas[1]}.json"))
    assert entry["commit"]["subject"] == "second on main"
    assert entry["rows"] == json.loads(main_report.read_text())["rows"]
    assert git(origin, "ls-tree", "--name-only", "searchbench-history").split() == ["history"]
