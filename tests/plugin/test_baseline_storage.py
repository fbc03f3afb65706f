"""Stored baselines: deterministic rendering, diffs, and writes that never leave half a file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness import baselines


def test_rendering_is_deterministic() -> None:
    a = baselines.render("x", {"TP=8": {"two_point": {"probes": 9, "batch_size": 124}}})
    b = baselines.render("x", {"TP=8": {"two_point": {"batch_size": 124, "probes": 9}}})
    assert a == b and a.endswith("}\n")


def test_differences_name_each_changed_value() -> None:
    old = {"TP=8": {"two_point": {"batch_size": 124, "probes": 9}}}
    new = {"TP=8": {"two_point": {"batch_size": 124, "probes": 10}}, "TP=4": {"x": {"probes": 1}}}
    assert baselines.differences(old, new) == [
        ("TP=4", "x.probes", "missing", "1"),
        ("TP=8", "two_point.probes", "9", "10"),
    ]


def test_an_interrupted_write_leaves_the_old_file_whole(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "scenario.json"
    original = baselines.render("scenario", {"TP=8": {"s": {"batch_size": 1, "probes": 2}}})
    path.write_text(original)

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        baselines.write_atomic(path, baselines.render("scenario", {"big": {"s": {"probes": 3}}}))
    assert path.read_text() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.json"]


def test_a_write_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "scenario.json"
    baselines.write_atomic(path, baselines.render("scenario", {}))
    assert json.loads(path.read_text()) == {"scenario": "scenario", "results": {}}


def test_a_corrupt_baseline_is_named(tmp_path: Path) -> None:
    path = tmp_path / "scenario.json"
    path.write_text("{not json")
    expected = r"scenario\.json: not a searchbench baseline"
    with pytest.raises(baselines.BaselineError, match=expected):
        baselines.load(path)
