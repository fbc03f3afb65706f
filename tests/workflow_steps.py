"""A workflow step's script, run here as GitHub runs it: under ``bash -eo pipefail``, with the
step's ``env:`` (and the workflow's) where each ``${{ ... }}`` expression takes the value the
test gives it. An expression the test does not give fails the test, so none is left unseen."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / ".github" / "workflows"
GITHUB_BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
"""How GitHub runs a step whose shell is ``bash``."""
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def steps(name: str, job: str) -> list[dict]:
    return workflow(name)["jobs"][job]["steps"]


def step(name: str, job: str, title: str) -> dict:
    return next(s for s in steps(name, job) if s.get("name") == title)


def _fill(text: str, contexts: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        if match.group(1) not in contexts:
            pytest.fail(f"the test gives no value for ${{{{ {match.group(1)} }}}}")
        return contexts[match.group(1)]

    return EXPRESSION.sub(value, text)


def run_step(
    name: str,
    job: str,
    title: str,
    workspace: Path,
    contexts: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Step ``title`` of ``job`` in workflow ``name``, run in ``workspace``."""
    contexts = contexts or {}
    chosen = step(name, job, title)
    declared = {**workflow(name).get("env", {}), **chosen.get("env", {})}
    environment = {
        **os.environ,
        **{key: _fill(str(value), contexts) for key, value in declared.items()},
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_STEP_SUMMARY": str(workspace / "summary.md"),
        "GITHUB_ENV": str(workspace / "github.env"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(REPO),
        **(env or {}),
    }
    script = workspace.parent / f"{workspace.name}-step.sh"
    script.write_text(_fill(chosen["run"], contexts))
    return subprocess.run(
        [*GITHUB_BASH, str(script)], cwd=workspace, env=environment, capture_output=True, text=True
    )


def git(cwd: Path, *args: str) -> str:
    """git with a fixed identity and dates, so commits are the same on every machine."""
    identity = [
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.invalid",
        "-c",
        "init.defaultBranch=main",
    ]
    dates = {
        "GIT_AUTHOR_DATE": "2026-11-01T12:00:00Z",
        "GIT_COMMITTER_DATE": "2026-11-01T12:00:00Z",
    }
    done = subprocess.run(
        ["git", *identity, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **dates},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
