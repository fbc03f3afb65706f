"""``searchbench compare`` on two real run reports: main's, and a deliberately worse branch."""

from __future__ import annotations

import importlib
import json
from dataclasses import replace
from pathlib import Path

from harness.cli import main
from harness.searches import SEARCHES

two_point_module = importlib.import_module("harness.searches.two_point")

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = [str(REPO / "scenarios" / f"{name}.yaml") for name in ("qwen3-32b-8x-disagg-decode",)]


def _report(path: Path, capsys) -> Path:
    main(["run", *SCENARIOS, "--format", "json"])
    path.write_text(capsys.readouterr().out)
    return path


def test_the_same_code_changes_nothing(tmp_path: Path, capsys) -> None:
    old = _report(tmp_path / "main.json", capsys)
    new = _report(tmp_path / "branch.json", capsys)
    assert main(["compare", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "no answer or probe count changed" in out and "0 of 12 rows fail" in out


def test_a_worse_branch_is_flagged(tmp_path: Path, capsys, monkeypatch) -> None:
    old = _report(tmp_path / "main.json", capsys)
    spec = SEARCHES["two_point"]

    def careless(probe, params, context):
        probe(2)
        forced = replace(params, slo_safety_factor=1.0)
        return two_point_module.two_point(probe, forced, context)

    monkeypatch.setitem(SEARCHES, "two_point", replace(spec, run=careless))
    new = _report(tmp_path / "branch.json", capsys)
    monkeypatch.undo()
    assert main(["compare", str(old), str(new), "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "TP=8,decode" in x and "two_point" in x)
    assert "165 -> 161" in line and "FAIL: answer, probes" in line
    assert main(["compare", str(old), str(new), "--format", "json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["failures"] >= 1


def test_not_a_report(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"rows": [{"x": 1}]}')
    assert main(["compare", str(bad), str(bad)]) == 2
    assert "not a searchbench run report" in capsys.readouterr().err
