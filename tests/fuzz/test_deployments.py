"""searchbench fuzz: the ci profile keeps every strict property; the draw is deterministic; a
broken exact search is caught, shrunk and saved as a scenario that fails under plain pytest, and
the run says that it stopped at the first failure."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import harness.fuzz.gate  # noqa: F401  in-process pytester runs then share the fuzz modules
from harness.cli import main
from harness.fuzz import PROFILES, FuzzSettings, fuzz
from harness.fuzz.document import FuzzRun, LedgerSummary, to_document
from harness.fuzz.verdict import Verdict
from harness.searches import SEARCHES, SearchSpec
from harness.searches.base import Outcome
from harness.searches.exponential import ExponentialParams, exponential


def document(report) -> str:
    run = FuzzRun(report, Verdict(), LedgerSummary("none", False))
    return json.dumps(to_document(run))


def test_exact_searches_keep_every_property_on_the_ci_profile() -> None:
    report = fuzz(FuzzSettings(examples=PROFILES["ci"], seed=1))
    assert report.passed, report.failures
    assert report.deployments == report.drawn == PROFILES["ci"] and report.complete
    for name in ("exponential", "two_point_checked", "certified_secant"):
        stats = report.stats[name]
        assert stats.exact and stats.equal == stats.monotone > 100
    assert not report.stats["two_point"].exact
    mean = {name: stats.summary()["mean"] for name, stats in report.stats.items()}
    assert mean["two_point"] <= mean["two_point_checked"] <= mean["two_point"] + 1
    assert mean["two_point_checked"] < mean["exponential"]


def test_the_same_seed_draws_the_same_deployments() -> None:
    settings = FuzzSettings(("certified_secant",), examples=30, seed=7)
    first = document(fuzz(settings))
    assert document(fuzz(settings)) == first
    assert document(fuzz(replace(settings, seed=8))) != first


def one_short(probe, params, context):
    """An 'exact' search that answers one batch short of exponential above 40."""
    outcome = exponential(probe, params, context)
    if outcome.batch_size is not None and outcome.batch_size > 40:
        return Outcome(outcome.batch_size - 1)
    return outcome


@pytest.fixture
def broken(monkeypatch) -> str:
    spec = SearchSpec("one_short", one_short, ExponentialParams, "off by one", exact=True)
    monkeypatch.setitem(SEARCHES, "one_short", spec)
    return "one_short"


def test_a_failure_of_an_exact_search_stops_the_run_and_says_so(broken, capsys, tmp_path) -> None:
    ledger = str(tmp_path / "ledger.json")
    code = main(["fuzz", "--search", broken, "--examples", "300", "--ledger", ledger])
    out, err = capsys.readouterr()
    assert code == 1
    assert "stopped at the first failure (draw 0)" in out and "--keep-going checks all 300" in out
    assert "1 of 300 deployments drawn" in out
    assert "FAILED one_short at TP=1,decode: not exact: 2740 vs the oracle's 2741" in err
    assert "  shrunk: one_short at" in err and "not exact" in err.split("shrunk:")[1]
    code = main(
        ["fuzz", "--search", broken, "--examples", "40", "--keep-going", "--ledger", ledger]
    )
    out, err = capsys.readouterr()
    assert code == 1 and "40 of 40 deployments drawn" in out and "stopped" not in out
    assert err.count("FAILED one_short") > 5 and "shrunk" not in err


def test_a_failure_is_saved_and_the_scenario_fails_under_pytest(
    broken, pytester, monkeypatch, capsys
) -> None:
    pytester.makeini("[pytest]\nsearchbench_scenarios = scenarios\n")
    monkeypatch.chdir(pytester.path)
    code = main(["fuzz", "--search", broken, "--examples", "300", "--save", "scenarios"])
    err = capsys.readouterr().err
    assert code == 1 and "saved scenarios/fuzz-seed1.yaml" in err
    saved = Path("scenarios/fuzz-seed1.yaml")
    assert Path("baselines/search/fuzz-seed1.json").is_file()
    text = saved.read_text()
    assert "# Failed: one_short at" in text and "# Shrunk to: model=Qwen/Qwen3-0.6B" in text
    result = pytester.runpytest("-p", "no:randomly")  # in-process: one_short is registered
    result.stdout.fnmatch_lines(["*fuzz-seed1*one_short*"])
    assert result.ret == 1


def test_bad_fuzz_options_are_one_line(capsys) -> None:
    assert main(["fuzz", "--examples", "0"]) == 2
    assert "--examples: must be 1..1,000,000, got 0" in capsys.readouterr().err
    assert main(["fuzz", "--shard", "2/2"]) == 2
    assert "--shard: need 0 <= I < N" in capsys.readouterr().err
    assert main(["fuzz", "--shard", "a/b"]) == 2
    assert "--shard: expected I/N, got 'a/b'" in capsys.readouterr().err


@pytest.mark.parametrize("search", ["nope"])
def test_an_unknown_search(search: str, capsys) -> None:
    assert main(["fuzz", "--search", search, "--examples", "1"]) == 2
    assert "unknown search 'nope'" in capsys.readouterr().err


def raises(probe, params, context):
    probe(1)
    raise RuntimeError("lost")


def test_a_heuristic_search_that_fails_fails_the_run(monkeypatch, capsys, tmp_path) -> None:
    """A failure is not a miss: even a search without exactness fails the run when it raises."""
    spec = SearchSpec("raises", raises, ExponentialParams, "raises")
    monkeypatch.setitem(SEARCHES, "raises", spec)
    ledger = str(tmp_path / "ledger.json")
    code = main(["fuzz", "--search", "raises", "--examples", "20", "--ledger", ledger])
    out, err = capsys.readouterr()
    assert code == 1 and "stopped at the first failure (draw 0)" in out
    assert "FAILED raises at TP=1,decode: search failed: raised RuntimeError: lost" in err


def test_disagg_draws_include_chunked_prefill_and_exact_searches_hold_on_it() -> None:
    """A disagg draw may take a budget below its input: the prefill phase then runs msmodeling's
    chunked waves, and the exact searches still equal the oracle there."""
    from hypothesis import HealthCheck, find
    from hypothesis import settings as hypothesis_settings

    from harness.fuzz.deployments import deployments
    from harness.optimizer import optimize
    from harness.request import SearchRun

    names = ("exponential", "two_point_checked", "certified_secant", "exhaustive")
    searches = tuple(SearchRun(name) for name in names)
    request = find(
        deployments(searches),
        lambda r: r.disagg and r.ttft_limit_ms and (r.max_batched_tokens or 10**9) < 1000,
        settings=hypothesis_settings(
            max_examples=1000,  # about one draw in 100 qualifies; the suite's profile draws fewer
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
    assert request.max_batched_tokens < request.input_length
    found = {(o.key, o.result.search): o.result for o in optimize(request)}
    prefill = [key for key, search in found if key.endswith("prefill") and search == "exhaustive"]
    assert prefill
    for key in prefill:
        for name in names[:-1]:
            assert found[key, name].batch_size == found[key, "exhaustive"].batch_size, (key, name)
