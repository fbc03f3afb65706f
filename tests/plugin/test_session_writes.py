"""The session writes what the gates asked for once they have all judged: serially, and under
xdist where each worker flushes its own scenarios. A write that fails fails the run, in one
line naming the file."""

from __future__ import annotations

import json

import pytest

from tests.plugin.helpers import project, set_baseline_probes

EAGER = "qwen3-32b-8x-tpot50-eager"
DECODE = "qwen3-32b-8x-disagg-decode"
WORKERS = [
    pytest.param((), id="serial"),
    pytest.param(("-n", "2"), id="xdist", marks=pytest.mark.slow),
]


def _probes(pytester, scenario_id: str, name: str = "") -> int:
    path = pytester.path / "baselines" / "search" / f"{scenario_id}{name}.json"
    return json.loads(path.read_text())["results"]["TP=8"]["two_point"]["probes"]


@pytest.mark.parametrize("workers", WORKERS)
def test_obtained_files_and_baseline_updates_land_at_the_end(pytester, workers) -> None:
    project(pytester, EAGER, DECODE)
    stored = _probes(pytester, EAGER)
    set_baseline_probes(pytester, EAGER, "TP=8", "two_point", 99)
    decode = pytester.path / "baselines" / "search" / f"{DECODE}.json"
    stored_decode = json.loads(decode.read_text())["results"]
    strategy = next(iter(stored_decode))
    stored_decode[strategy]["two_point"]["probes"] += 7
    decode.write_text(json.dumps({"results": stored_decode}))

    mismatch = pytester.runpytest(*workers)
    mismatch.assert_outcomes(failed=2, passed=18)
    assert _probes(pytester, EAGER, ".obtained") == stored
    assert (decode.parent / f"{DECODE}.obtained.json").is_file()

    updated = pytester.runpytest("--update-baselines", *workers)
    updated.assert_outcomes(passed=20)
    updated.stdout.fnmatch_lines_random(
        [
            "*searchbench: baselines written*",
            f"*{EAGER}: baseline updated*",
            f"*{DECODE}: baseline updated*",
            "*TP=8*two_point.probes*99*",
        ]
    )
    assert _probes(pytester, EAGER) == stored
    assert not list(decode.parent.glob("*.obtained.json"))
    assert not list(decode.parent.glob(".*.tmp"))
    pytester.runpytest(*workers).assert_outcomes(passed=20)


@pytest.mark.parametrize("workers", WORKERS)
def test_a_write_that_fails_fails_the_run_naming_the_file(pytester, workers) -> None:
    project(pytester, EAGER, with_baselines=False)
    folder = pytester.path / "baselines" / "search"
    folder.rmdir()
    folder.write_text("a file where the baseline folder should be")
    result = pytester.runpytest("--update-baselines", *workers)
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*searchbench: files not written*",
            f"baselines/search/{EAGER}.json: cannot write: *",
        ]
    )
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert folder.read_text() == "a file where the baseline folder should be"
