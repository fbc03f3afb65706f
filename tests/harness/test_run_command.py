"""``searchbench run`` says what it checked: a progress line per scenario, a closing line with
the counts, and a non-zero exit when any item or any search run failed, or nothing was checked."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from harness.cli import main
from harness.searches import SEARCHES, SearchSpec, register
from harness.searches.external import NoParams

REPO = Path(__file__).resolve().parents[2]
EAGER = "qwen3-32b-8x-tpot50-eager"


@pytest.fixture
def exits():
    register(SearchSpec("exits_at_once", lambda probe, p, c: sys.exit(0), NoParams, "exits"))
    yield "exits_at_once"
    SEARCHES.pop("exits_at_once", None)


def _project(tmp_path: Path, extra: str = "") -> tuple[Path, Path]:
    scenario = tmp_path / f"{EAGER}.yaml"
    scenario.write_text((REPO / "scenarios" / f"{EAGER}.yaml").read_text() + extra)
    baselines = tmp_path / "baselines"
    baselines.mkdir()
    shutil.copy(REPO / "baselines" / "search" / f"{EAGER}.json", baselines)
    return scenario, baselines


def test_progress_and_closing_counts_go_to_stderr(tmp_path: Path, capsys) -> None:
    scenario, baselines = _project(tmp_path)
    assert main(["run", str(scenario), "--baselines", str(baselines), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert captured.out.lstrip().startswith("{")
    lines = captured.err.splitlines()
    assert f"[1/1] {EAGER}: 7 items, 7 passed, 0 failed" in lines
    assert lines[-1] == "searchbench run: 1 scenarios, 7 items: 7 passed, 0 failed"


def test_a_search_that_exits_makes_the_run_fail(tmp_path: Path, capsys, exits: str) -> None:
    extra = f"searches:\n  candidates: [two_point, {exits}]\n"
    scenario, baselines = _project(tmp_path, extra)
    assert main(["run", str(scenario), "--baselines", str(baselines)]) == 1
    err = capsys.readouterr().err
    assert f"{exits} failed on TP=8: raised SystemExit: 0" in err
    assert err.splitlines()[-1].endswith("; 4 search runs failed")


def test_a_run_that_checks_nothing_does_not_pass(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "scenarios"
    empty.mkdir()
    assert main(["run", str(empty), "--baselines", str(tmp_path)]) == 1
    assert "nothing was checked, so nothing passed" in capsys.readouterr().err
