"""``searchbench compare`` on two real run reports: main's, and a deliberately worse branch."""

from __future__ import annotations

import importlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

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
    assert "no answer, probe count or projected time changed" in out and "0 of 12 rows fail" in out


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


def _edited(source: Path, target: Path, edit) -> Path:
    payload = json.loads(source.read_text())
    edit(payload)
    target.write_text(json.dumps(payload))
    return target


def test_a_trimmed_report_fails_and_names_what_is_gone(tmp_path: Path, capsys) -> None:
    old = _report(tmp_path / "main.json", capsys)

    def drop_a_strategy_and_a_search(payload):
        payload["rows"] = [
            r
            for r in payload["rows"]
            if r["strategy"] != "TP=8,decode" and r["search"] != "certified_secant"
        ]

    new = _edited(old, tmp_path / "trimmed.json", drop_a_strategy_and_a_search)
    assert main(["compare", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert "6 of 12 rows fail (6 gone)" in out
    assert "searches gone from the new report: certified_secant" in out
    empty = _edited(old, tmp_path / "empty.json", lambda p: p.update(rows=[]))
    assert main(["compare", str(old), str(empty)]) == 1
    out = capsys.readouterr().out
    assert "12 of 12 rows fail" in out
    assert "scenarios gone from the new report: qwen3-32b-8x-disagg-decode" in out


def test_an_exact_search_may_not_move_at_all(tmp_path: Path, capsys) -> None:
    old = _report(tmp_path / "main.json", capsys)

    def one_less(payload):
        for row in payload["rows"]:
            if row["search"] == "certified_secant" and row["strategy"] == "TP=8,decode":
                assert row["exact"] is True
                row["batch_size"] -= 1

    new = _edited(old, tmp_path / "off-by-one.json", one_less)
    assert main(["compare", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "TP=8,decode" in x and "certified_secant" in x)
    assert "FAIL: answer changed (exact)" in line


def test_a_failed_or_infeasible_search_fails(tmp_path: Path, capsys) -> None:
    old = _report(tmp_path / "main.json", capsys)

    def spoil(payload):
        two_point = [r for r in payload["rows"] if r["search"] == "two_point"]
        two_point[0]["failure"] = "raised SystemExit: 0"
        two_point[1]["feasible"] = False

    new = _edited(old, tmp_path / "spoiled.json", spoil)
    assert main(["compare", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert "FAIL: failed to run" in out and "FAIL: infeasible" in out


def test_an_optimize_report_is_refused(tmp_path: Path, capsys) -> None:
    old = _report(tmp_path / "main.json", capsys)
    args = ["optimize", "Qwen/Qwen3-32B", "--num-devices", "8", "--tp-sizes", "8"]
    main([*args, "--input-length", "3500", "--output-length", "1500", "--format", "json"])
    other = tmp_path / "optimize.json"
    other.write_text(capsys.readouterr().out)
    assert main(["compare", str(old), str(other)]) == 2
    err = capsys.readouterr().err
    assert "format 'searchbench-optimize', expected 'searchbench-run'" in err


BAD_VALUES = {
    "negative batch": ("batch_size", -1, "rows[0].batch_size: expected null or a whole number"),
    "float probes": ("probes", 2.5, "rows[0].probes: expected a whole number 0..1,000,000,000"),
    "huge probes": ("probes", 10**40, "got 10000000000000000000000000000000000000000"),
    "tolerance 2": ("tolerance", 2, "rows[0].tolerance: expected null or a number in [0, 1)"),
    "text batch": ("batch_size", "12", "rows[0].batch_size: expected null or a whole number"),
    "boolean probes": ("probes", True, "rows[0].probes: expected a whole number"),
}


@pytest.mark.parametrize("case", list(BAD_VALUES))
def test_out_of_range_values_are_one_line(case: str, tmp_path: Path, capsys) -> None:
    old = _report(tmp_path / "main.json", capsys)
    field, value, message = BAD_VALUES[case]
    new = _edited(old, tmp_path / "bad.json", lambda p: p["rows"][0].update({field: value}))
    assert main(["compare", str(old), str(new)]) == 2
    err = capsys.readouterr().err
    assert message in err and str(new) in err and len(err.splitlines()) == 1


def test_duplicate_deep_and_special_reports_are_one_line(tmp_path: Path, capsys) -> None:
    old = _report(tmp_path / "main.json", capsys)
    twice = _edited(old, tmp_path / "twice.json", lambda p: p["rows"].append(p["rows"][0]))
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    for path, message in (
        (twice, "rows[12] repeats rows[0]"),
        (deep, "nested too deeply"),
        (Path("/dev/zero"), "not a regular file"),
        (tmp_path, "not a regular file"),
    ):
        assert main(["compare", str(old), str(path)]) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.splitlines()) == 1


def test_projected_seconds_that_move_are_listed_and_totalled_per_search(
    tmp_path: Path, capsys
) -> None:
    old = _report(tmp_path / "main.json", capsys)
    payload = json.loads(old.read_text())
    for row in payload["rows"]:
        if row["search"] == "two_point" and row["projected_msmodeling_s"] is not None:
            row["projected_msmodeling_s"] = round(row["projected_msmodeling_s"] * 1.5, 2)
    new = tmp_path / "branch.json"
    new.write_text(json.dumps(payload))
    assert main(["compare", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "TP=8,decode | two_point" in out and " -> " in out
    (line,) = [line for line in out.splitlines() if line.startswith("projected msmodeling s")]
    assert "two_point" in line and "(+50.0%)" in line and "exponential" in line
    assert main(["compare", str(old), str(new), "--format", "json"]) == 0
    seconds = json.loads(capsys.readouterr().out)["seconds"]
    assert seconds["two_point"]["new"] == pytest.approx(1.5 * seconds["two_point"]["old"], 0.01)
