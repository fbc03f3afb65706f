"""Shards that merge: ``fuzz --shard I/N --format json`` outputs combine with ``fuzz merge`` into
the serial run's JSON byte for byte, its table and its verdict; anything else is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from tests.fuzz.test_ledger import force_safety_factor

DRAW = ["--examples", "48", "--seed", "4"]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["fuzz", *args])
    out, err = capsys.readouterr()
    return code, out, err


def shards(capsys, tmp_path: Path, count: int, *flags: str) -> list[str]:
    paths = []
    for shard in range(count):
        code, out, _ = run(capsys, *flags, "--shard", f"{shard}/{count}", "--format", "json")
        assert code in (0, 1)
        path = tmp_path / f"shard{shard}.json"
        path.write_text(out)
        paths.append(str(path))
    return paths


@pytest.fixture
def misses(monkeypatch, tmp_path, capsys) -> list[str]:
    """A draw with new and worse misses (shrunk), and fixed ones, to merge: the ledger of a
    safety factor of 1.0 and one entry the draw does not have, judging a factor of 0.9."""
    ledger = tmp_path / "ledger.json"
    force_safety_factor(monkeypatch, 1.0)
    assert run(capsys, *DRAW, "--ledger", str(ledger), "--update-baselines")[0] == 0
    recorded = json.loads(ledger.read_text())
    gone = {**recorded["misses"][0], "index": 47}
    recorded["misses"].append(gone)
    ledger.write_text(json.dumps(recorded))
    force_safety_factor(monkeypatch, 0.9)
    return [*DRAW, "--ledger", str(ledger)]


@pytest.mark.slow
def test_four_shards_merge_into_the_serial_run_byte_for_byte(capsys, tmp_path, misses) -> None:
    serial_code, serial, _ = run(capsys, *misses, "--format", "json")
    document = json.loads(serial)
    verdict = document["verdict"]
    assert serial_code == 1 and verdict["new"] and verdict["worse"]
    assert [item["index"] for item in verdict["fixed"]] == [47]
    assert all(item["shrunk"] for item in verdict["new"] + verdict["worse"])
    parts = shards(capsys, tmp_path, 4, *misses)
    code, merged, _ = run(capsys, "merge", *parts, "--format", "json")
    assert code == serial_code and merged == serial
    code, table, _ = run(capsys, "merge", *parts)
    assert code == serial_code and table == run(capsys, *misses)[1]


@pytest.mark.slow
def test_merge_updates_the_ledger_as_the_serial_run_does(capsys, tmp_path, misses) -> None:
    ledger = Path(misses[-1])
    parts = shards(capsys, tmp_path, 3, *misses)
    code, _, err = run(capsys, *misses, "--shard", "0/3", "--update-baselines")
    assert code == 2 and "a shard cannot rewrite the ledger" in err
    assert run(capsys, "merge", *parts, "--update-baselines")[0] == 0
    merged = ledger.read_text()
    assert run(capsys, *misses, "--update-baselines")[0] == 0
    assert ledger.read_text() == merged
    assert run(capsys, *misses)[0] == 0


def test_merge_refuses_what_is_not_one_draws_shards(capsys, tmp_path) -> None:
    flags = ["--search", "two_point", "--examples", "12", "--ledger", str(tmp_path / "l.json")]
    parts = shards(capsys, tmp_path, 3, *flags)
    other = tmp_path / "other.json"
    other.write_text(run(capsys, *flags, "--seed", "9", "--shard", "2/3", "--format", "json")[1])
    not_fuzz = tmp_path / "run.json"
    not_fuzz.write_text('{"format": "searchbench-run", "version": 1}')
    for files, message in [
        (parts[:2], "need each of the 3 shards once, got 0/3, 1/3"),
        ([*parts, parts[0]], "need each of the 3 shards once"),
        ([*parts[:2], str(other)], "of different draws"),
        ([str(not_fuzz)], "not the JSON output of searchbench fuzz"),
        ([str(tmp_path / "missing.json")], "missing.json: not a fuzz output"),
    ]:
        code, _, err = run(capsys, "merge", *files)
        assert code == 2 and message in err, err
        assert len(err.strip().splitlines()) == 1
