"""A stored baseline cannot take the verdict hostage (issue 20): a huge, deep, duplicate-keyed or
out-of-range file is one line naming it, which ``--update-baselines`` repairs; an unwritable
place still shows the real verdict with one line about the write; and a mistaken scenario
folder offers no baseline for deletion."""

from __future__ import annotations

import json
import os

import pytest

from tests.plugin.helpers import project, set_baseline_probes

EAGER = "qwen3-32b-8x-tpot50-eager"
HOSTAGES = {
    "huge-int": '{"format": 2, "scenario": "x", "results": {"TP=8": {"s": {"probes": '
    + "9" * 5000
    + "}}}}",
    "deep": "[" * 100_000 + "]" * 100_000,
    "duplicate-keys": '{"results": {}, "results": {}}',
    "negative": '{"format": 2, "results": {"TP=8": {"two_point": {"probes": -3}}}}',
    "future": '{"format": 99, "results": {}}',
}


@pytest.mark.parametrize("case", list(HOSTAGES))
def test_a_hostage_baseline_is_one_line_and_update_repairs_it(pytester, case: str) -> None:
    project(pytester, EAGER)
    path = pytester.path / "baselines" / "search" / f"{EAGER}.json"
    path.write_text(HOSTAGES[case])
    result = pytester.runpytest()
    result.assert_outcomes(failed=1, passed=9)
    result.stdout.fnmatch_lines([f"*baselines/search/{EAGER}.json: *", "*repair it with*"])
    assert "Traceback" not in result.stdout.str()
    repaired = pytester.runpytest("--update-baselines")
    repaired.assert_outcomes(passed=10)
    repaired.stdout.fnmatch_lines([f"*{EAGER}: baseline repaired*"])
    assert json.loads(path.read_text())["results"]["TP=8"]["two_point"]["probes"] == 9
    pytester.runpytest().assert_outcomes(passed=10)


def test_an_unwritable_obtained_file_keeps_the_real_verdict(pytester) -> None:
    project(pytester, EAGER)
    set_baseline_probes(pytester, EAGER, "TP=8", "two_point", 99)
    (pytester.path / "baselines" / "search" / f"{EAGER}.obtained.json").mkdir()
    result = pytester.runpytest()
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*answers or probe counts differ*",
            "*searchbench: files not written*",
            f"baselines/search/{EAGER}.obtained.json: cannot write: *",
        ]
    )
    assert "Traceback" not in result.stdout.str()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_baseline_folder_keeps_the_real_verdict(pytester) -> None:
    project(pytester, EAGER)
    set_baseline_probes(pytester, EAGER, "TP=8", "two_point", 99)
    folder = pytester.path / "baselines" / "search"
    folder.chmod(0o555)
    try:
        result = pytester.runpytest()
    finally:
        folder.chmod(0o755)
    result.stdout.fnmatch_lines(["*answers or probe counts differ*", "*cannot write: *"])
    assert "Traceback" not in result.stdout.str()


def test_a_baseline_that_is_a_folder_is_one_line(pytester) -> None:
    project(pytester, EAGER, with_baselines=False)
    (pytester.path / "baselines" / "search" / f"{EAGER}.json").mkdir()
    result = pytester.runpytest()
    result.stdout.fnmatch_lines([f"*{EAGER}.json: cannot read: not a regular file*"])
    updated = pytester.runpytest("--update-baselines")
    assert updated.ret == 1
    updated.stdout.fnmatch_lines(["*searchbench: files not written*", f"*{EAGER}.json: cannot*"])
    assert "Traceback" not in result.stdout.str() + updated.stdout.str()


def test_a_mistaken_scenario_folder_offers_nothing_for_deletion(pytester) -> None:
    project(pytester, EAGER)
    (pytester.path / "README.md").write_text("# not scenarios\n")
    result = pytester.runpytest("--searchbench-scenarios", "README.md")
    out = result.stdout.str()
    assert "delete it?" not in out
    result.stdout.fnmatch_lines(["*1 baselines in baselines/search have no scenario among the 0*"])
