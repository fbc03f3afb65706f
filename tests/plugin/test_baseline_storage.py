"""Stored baselines: deterministic, versioned rendering, diffs, writes that never leave half a
file, shape checks, and the .obtained file beside a mismatch."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from harness.gates.store import (
    FORMAT_VERSION,
    BaselineError,
    BaselineStore,
    differences,
    render,
    write_atomic,
)


def test_rendering_is_deterministic() -> None:
    a = render("x", {"TP=8": {"two_point": {"probes": 9, "batch_size": 124}}})
    b = render("x", {"TP=8": {"two_point": {"batch_size": 124, "probes": 9}}})
    assert a == b and a.endswith("}\n")
    assert json.loads(a)["format"] == FORMAT_VERSION


def test_strategies_sort_numerically() -> None:
    results = {key: {"s": {"probes": 1}} for key in ("TP=16", "TP=4", "TP=8", "TP=1")}
    assert list(json.loads(render("x", results))["results"]) == ["TP=1", "TP=4", "TP=8", "TP=16"]
    rows = differences({}, results)
    assert [row[0] for row in rows] == ["TP=1", "TP=4", "TP=8", "TP=16"]


def test_differences_name_each_changed_value() -> None:
    old = {"TP=8": {"two_point": {"batch_size": 124, "probes": 9}}}
    new = {"TP=8": {"two_point": {"batch_size": 124, "probes": 10}}, "TP=4": {"x": {"probes": 1}}}
    assert differences(old, new) == [
        ("TP=4", "x.probes", "missing", "1"),
        ("TP=8", "two_point.probes", "9", "10"),
    ]


def test_an_interrupted_write_leaves_the_old_file_whole(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "scenario.json"
    original = render("scenario", {"TP=8": {"s": {"batch_size": 1, "probes": 2}}})
    path.write_text(original)

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, render("scenario", {"big": {"s": {"probes": 3}}}))
    assert path.read_text() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.json"]


def test_a_write_replaces_the_file_whole_with_mode_0644(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "scenario.json"
    old_umask = os.umask(0o077)
    try:
        write_atomic(path, render("scenario", {}))
    finally:
        os.umask(old_umask)
    assert json.loads(path.read_text())["results"] == {}
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_leftovers_of_an_interrupted_write_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / ".scenario.json.abc123.tmp"
    stale.write_text("{half")
    write_atomic(tmp_path / "scenario.json", render("scenario", {}))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.json"]


def test_version_1_files_still_load(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text('{"scenario": "x", "results": {"TP=1": {"s": {"probes": 2}}}}')
    assert BaselineStore(tmp_path).load("x") == {"TP=1": {"s": {"probes": 2}}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not JSON"),
        ('{"results": {"TP=1": 5}}', "results.TP=1: expected an object of searches, got 5"),
        (
            '{"results": {"TP=1": {"s": {"batch_size": "25"}}}}',
            "expected null or a whole number 1..2,147,483,647",
        ),
        ('{"results": {"TP=1": {"s": {"probes": -5}}}}', "expected null or a whole number 0.."),
        ('{"results": {"TP=1": {"s": {"probes": ' + "9" * 5000 + "}}}}", "not JSON"),
        ('{"results": {"TP=1": {"s": {"probes": 1e400}}}}', "expected null or a whole number"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"results": {}, "results": {}}', "the key 'results' appears twice"),
        ('{"results": {"TP=1": {"s": {"colour": 1}}}}', "expected batch_size or probes"),
        ('{"format": 99, "results": {}}', "format: expected 1 or 2"),
        ("[1, 2]", 'expected an object with a "results" object'),
    ],
)
def test_a_bad_baseline_is_named_in_one_line(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "scenario.json").write_text(text)
    with pytest.raises(BaselineError, match=r"scenario\.json") as info:
        BaselineStore(tmp_path).load("scenario")
    assert message in str(info.value) and "\n" not in str(info.value)


def test_obtained_file_and_its_removal(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    store.write_obtained("sub/x", {"TP=1": {"s": {"probes": 3}}})
    assert (tmp_path / "sub" / "x.obtained.json").is_file()
    store.write("sub/x", {"TP=1": {"s": {"probes": 3}}})
    assert not (tmp_path / "sub" / "x.obtained.json").exists()
    assert store.orphans({"sub/x"}) == []
    assert store.orphans(set()) == [tmp_path / "sub" / "x.json"]


def test_a_live_writers_temporary_file_is_left_alone(tmp_path: Path) -> None:
    """Two updates at once: neither removes the other's temporary file mid-write."""
    live = tmp_path / f".scenario.json.{os.getpid()}.abc123.tmp"
    live.write_text("{half")
    write_atomic(tmp_path / "scenario.json", render("scenario", {}))
    assert live.exists()


def _hammer(path: str, text: str) -> None:
    for _ in range(200):
        write_atomic(Path(path), text)


def test_concurrent_writers_never_fail_or_corrupt(tmp_path: Path) -> None:
    import multiprocessing

    path = tmp_path / "scenario.json"
    texts = [render("scenario", {f"TP={n}": {"s": {"probes": n}}}) for n in range(4)]
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_hammer, args=(str(path), text)) for text in texts]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
    assert [writer.exitcode for writer in writers] == [0, 0, 0, 0]
    assert path.read_text() in texts
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.json"]


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_baseline_that_is_not_a_file_is_one_line(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "scenario.json"
    path.mkdir() if kind == "folder" else os.mkfifo(path)
    with pytest.raises(BaselineError, match=r"scenario\.json: cannot read: not a regular file"):
        BaselineStore(tmp_path).load("scenario")


def test_too_many_orphans_are_one_line_offering_nothing(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    for name in ("a", "b", "c"):
        store.write(name, {})
    assert store.orphan_lines({"a", "b"}, tmp_path / "scenarios") == [
        f"{tmp_path / 'c.json'} (no scenario file for it; delete it?)"
    ]
    (line,) = store.orphan_lines(set(), tmp_path / "README.md")
    assert "3 baselines in" in line and "nothing to delete until it is" in line
