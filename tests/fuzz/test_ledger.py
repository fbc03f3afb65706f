"""The ledger of known misses: the committed ledgers pass; a two_point with its safety factor
forced to 1.0 fails with its new misses listed; misses that are gone are reported as fixed; a
miss that grows is worse; the ledger is rewritten atomically and only on request."""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from harness.cli import main
from harness.searches import SEARCHES

REPO = Path(__file__).resolve().parents[2]
LEDGERS = REPO / "baselines" / "fuzz"
two_point_module = importlib.import_module("harness.searches.two_point")


def force_safety_factor(monkeypatch, factor: float) -> None:
    spec = SEARCHES["two_point"]

    def forced(probe, params, context):
        return two_point_module.two_point(probe, replace(params, slo_safety_factor=factor), context)

    monkeypatch.setitem(SEARCHES, "two_point", replace(spec, run=forced))


def fuzz(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["fuzz", *args])
    out, err = capsys.readouterr()
    return code, out, err


def new_rows(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("| new ")]


def known(name: str, search: str | None = None) -> int:
    """The misses a committed ledger holds (of one search): what its draw must find again."""
    misses = json.loads((LEDGERS / name).read_text())["misses"]
    return sum(search in (None, miss["search"]) for miss in misses)


def test_the_ci_profile_passes_with_the_committed_ledger(capsys, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = fuzz(capsys)
    assert code == 0, out
    assert (
        f"ledger baselines/fuzz/ci.json: {known('ci.json')} known, 0 new, 0 worse, 0 fixed" in out
    )


def test_a_lower_safety_factor_fails_with_its_new_misses(capsys, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    force_safety_factor(monkeypatch, 1.0)
    code, out, err = fuzz(capsys)
    rows = new_rows(out)
    assert code == 1 and len(rows) >= 3, out
    assert all("| two_point " in row for row in rows)
    worse = [line for line in out.splitlines() if line.startswith("| worse ")]
    assert len(worse) <= known("ci.json")  # only a miss the ledger holds can grow worse
    assert f"{len(rows)} new, {len(worse)} worse" in out
    assert f"FAILED: {len(rows)} new miss(es)" in err
    assert out.count("  shrunk: ") == len(rows) + len(worse)


@pytest.mark.nightly
def test_the_1000_deployment_fuzz_passes_and_fails_as_the_issue_says(capsys, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = fuzz(capsys, "--examples", "1000", "--seed", "1")
    assert code == 0 and f"{known('seed1-n1000.json')} known, 0 new, 0 worse, 0 fixed" in out
    force_safety_factor(monkeypatch, 1.0)
    code, out, _ = fuzz(capsys, "--examples", "1000", "--seed", "1")
    assert code == 1 and len(new_rows(out)) > 20


@pytest.mark.slow
def test_gone_misses_are_fixed_and_grown_ones_are_worse(capsys, monkeypatch, tmp_path) -> None:
    ledger = tmp_path / "ledger.json"
    flags = ["--search", "two_point", "--examples", "60", "--seed", "4", "--ledger", str(ledger)]
    force_safety_factor(monkeypatch, 1.0)
    code, out, err = fuzz(capsys, *flags, "--update-baselines")
    recorded = json.loads(ledger.read_text())
    count = len(recorded["misses"])
    assert code == 0 and count >= 3 and f"{count} new" in out
    assert recorded["checked"]["two_point"] > 60 and "ledger written" in err
    assert fuzz(capsys, *flags)[0] == 0
    force_safety_factor(monkeypatch, 0.8)
    code, out, _ = fuzz(capsys, *flags)
    assert code == 1 and re.search(r"[1-9]\d* worse", out), out
    assert "| worse " in out
    force_safety_factor(monkeypatch, 1.5)
    code, out, _ = fuzz(capsys, *flags)
    assert code == 0 and f"fixed: {count}; run `--update-baselines` to record" in out
    assert json.loads(ledger.read_text()) == recorded, "written only on request"
    assert fuzz(capsys, *flags, "--update-baselines")[0] == 0
    assert json.loads(ledger.read_text())["misses"] == []
    assert [p.name for p in tmp_path.iterdir()] == ["ledger.json"], "no temporary file left"


def test_a_miss_rate_and_worst_miss_against_the_ledgers(capsys, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    # shard 1 of 25 holds none of the ledger's misses (draws 15, 156, 157, 400)
    code, out, _ = fuzz(capsys, "--examples", "1000", "--seed", "1", "--shard", "1/25")
    assert code == 0
    (row,) = [
        line for line in out.splitlines() if line.startswith("| two_point ") and " of " in line
    ]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[1].startswith("0 of ") and cells[2] == "-"
    ledger = json.loads((LEDGERS / "seed1-n1000.json").read_text())
    misses, checked = known("seed1-n1000.json", "two_point"), ledger["checked"]["two_point"]
    assert cells[3].startswith(f"{misses} of {checked} ("), cells[3]
    assert (cells[4] == "-") == (misses == 0)


def test_an_unusable_ledger_is_one_line_and_update_repairs_it(capsys, tmp_path) -> None:
    ledger = tmp_path / "ledger.json"
    flags = ["--examples", "5", "--ledger", str(ledger)]
    for text, message in [
        ("{", "not JSON"),
        ('{"format": "searchbench-run"}', "not a fuzz ledger"),
        ('{"format": "searchbench-fuzz-ledger", "version": 9}', "format version 9"),
        ('{"format": "searchbench-fuzz-ledger", "version": 1}', "malformed"),
    ]:
        ledger.write_text(text)
        code, _, err = fuzz(capsys, *flags)
        assert code == 2 and message in err and "--update-baselines rewrites it" in err
        assert len(err.strip().splitlines()) == 1
    assert fuzz(capsys, *flags, "--update-baselines")[0] == 0
    assert fuzz(capsys, *flags)[0] == 0


def test_another_draws_ledger_is_refused(capsys) -> None:
    ci = str(LEDGERS / "ci.json")
    code, _, err = fuzz(capsys, "--examples", "5", "--seed", "2", "--ledger", ci)
    assert code == 2
    assert "records seed 1 x 100 deployments" in err and "this run draws seed 2 x 5" in err


def test_each_draw_has_its_own_ledger_name() -> None:
    from harness.fuzz import FuzzSettings

    assert FuzzSettings(examples=100).ledger_name == "ci"
    assert FuzzSettings(examples=20000).ledger_name == "nightly"
    assert FuzzSettings(examples=1000, seed=1).ledger_name == "seed1-n1000"
    assert FuzzSettings(examples=100, seed=3).ledger_name == "seed3-n100"


def test_the_committed_ledgers_are_the_runs_they_name() -> None:
    """Each committed ledger is a complete, rendered ledger of its own draw."""
    from harness.fuzz.ledger import load, render

    for path in sorted(LEDGERS.glob("*.json")):
        payload = json.loads(path.read_text())
        ledger = load(path, payload["seed"], payload["examples"], payload["tolerance"])
        assert render(ledger) == path.read_text(), path
        assert ledger.checked.get("two_point", 0) > 0, path
