"""Gates only judge: one registry names every item, the regression gate touches no file and
returns what it would write, and ``flush`` applies those writes or names each that failed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness.gates import (
    GATES,
    BaselineStore,
    GateContext,
    PendingWrite,
    flush,
    gate_items,
    judge_all,
    regression_check,
    stored_results,
)
from harness.gates.store import render
from harness.scenarios import ScenarioRun, load_scenario, run_scenario

REPO = Path(__file__).resolve().parents[2]
EAGER = "qwen3-32b-8x-tpot50-eager"


@pytest.fixture(scope="module")
def run() -> ScenarioRun:
    return run_scenario(load_scenario(REPO / "scenarios" / f"{EAGER}.yaml", EAGER))


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_the_registry_names_the_items_the_checks_carry(run: ScenarioRun, tmp_path: Path) -> None:
    items = gate_items(run.keys, run.scenario)
    names = ["answers", "probes", "seconds", "pairing", "regression"]
    assert [gate.name for gate in GATES] == names
    # pairing is a PD-ratio scenario's gate only (tests/harness/test_pd_ratio.py)
    assert [item.name for item in items] == [
        *(f"answers[{key}]" for key in run.keys),
        "probes",
        "seconds",
        "regression",
    ]
    checks = judge_all(run, GateContext(BaselineStore(tmp_path)))
    assert [check.name for check in checks] == [item.name for item in items]
    assert {check.scenario for check in checks} == {EAGER}


def _store_with(tmp_path: Path, text: str | None) -> BaselineStore:
    if text is not None:
        (tmp_path / f"{EAGER}.json").write_text(text)
    return BaselineStore(tmp_path)


def _changed(run: ScenarioRun) -> str:
    stored = stored_results(run)
    stored["TP=8"]["two_point"]["probes"] += 90
    return render(EAGER, stored)


@pytest.mark.parametrize("update", [False, True], ids=["judge", "update-baselines"])
@pytest.mark.parametrize("stored", ["missing", "matching", "changed", "corrupt"])
def test_the_regression_gate_writes_nothing_itself(
    run: ScenarioRun, tmp_path: Path, stored: str, update: bool
) -> None:
    texts = {
        "missing": None,
        "matching": render(EAGER, stored_results(run)),
        "changed": _changed(run),
        "corrupt": "{half",
    }
    store = _store_with(tmp_path, texts[stored])
    (tmp_path / f"{EAGER}.obtained.json").write_text("stale")
    before = snapshot(tmp_path)
    check = regression_check(run, store, update)
    assert snapshot(tmp_path) == before
    assert flush(check.writes) == []
    after = snapshot(tmp_path)
    baseline, obtained = f"{EAGER}.json", f"{EAGER}.obtained.json"
    if update and stored != "matching":
        assert check.passed and check.updates_baseline
        assert after[baseline] == render(EAGER, stored_results(run)) and obtained not in after
    elif stored == "changed":
        assert not check.passed and after[baseline] == before[baseline]
        assert json.loads(after[obtained])["results"] == stored_results(run)
    elif stored == "matching":
        assert check.passed and not check.updates_baseline
        assert after == {baseline: before[baseline]}
    else:
        assert not check.passed and after == before


def test_a_write_that_fails_is_one_line_naming_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "baselines"
    blocker.write_text("a file where the folder should be")
    target = blocker / "search" / "x.json"
    written = tmp_path / "ok.json"
    problems = flush([PendingWrite(target, "{}\n"), PendingWrite(written, "{}\n")])
    assert len(problems) == 1 and "\n" not in problems[0]
    assert str(target) in problems[0] and "cannot write" in problems[0]
    assert written.read_text() == "{}\n"


def test_pending_writes_apply_in_order(tmp_path: Path) -> None:
    path = tmp_path / "x.obtained.json"
    assert flush([PendingWrite(path, "first\n"), PendingWrite(path)]) == []
    assert not path.exists()
    assert flush([PendingWrite(path), PendingWrite(path, "second\n")]) == []
    assert path.read_text() == "second\n"


def test_searchbench_run_leaves_and_discards_the_obtained_file(
    run: ScenarioRun, tmp_path: Path, capsys
) -> None:
    from harness.cli import main

    shutil.copy(REPO / "scenarios" / f"{EAGER}.yaml", tmp_path)
    baselines = tmp_path / "baselines"
    baselines.mkdir()
    (baselines / f"{EAGER}.json").write_text(_changed(run))
    args = ["run", str(tmp_path / f"{EAGER}.yaml"), "--baselines", str(baselines)]
    assert main(args) == 1
    obtained = baselines / f"{EAGER}.obtained.json"
    assert json.loads(obtained.read_text())["results"] == stored_results(run)
    assert f"this run's results: {obtained}" in capsys.readouterr().out
    (baselines / f"{EAGER}.json").write_text(render(EAGER, stored_results(run)))
    assert main(args) == 0
    assert not obtained.exists()


def test_the_plugin_collects_the_registry_items(pytester, run: ScenarioRun) -> None:
    from tests.plugin.helpers import project

    project(pytester, EAGER)
    lines = pytester.runpytest("--collect-only", "-q").outlines
    prefix = f"scenarios/{EAGER}.yaml::"
    names = [line.removeprefix(prefix) for line in lines if line.startswith(prefix)]
    gates = [name for name in names if not name.startswith("timing[")]
    assert gates == [item.name for item in gate_items(run.keys)]
    assert len(names) - len(gates) == 3
