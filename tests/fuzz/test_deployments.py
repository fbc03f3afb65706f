"""searchbench fuzz: the ci profile gates certified_secant in the default pytest; a broken
search is caught, shrunk and saved as a scenario that fails under plain pytest; the draw is
deterministic and shards add up to the serial run."""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path

import pytest

from harness.cli import main
from harness.fuzz import PROFILES, FuzzSettings, fuzz
from harness.searches import SEARCHES

two_point_module = importlib.import_module("harness.searches.two_point")


def test_certified_secant_keeps_every_property_on_the_ci_profile() -> None:
    report = fuzz(FuzzSettings(("certified_secant",), examples=PROFILES["ci"], seed=1))
    assert report.passed, report.failure
    assert report.deployments == PROFILES["ci"]
    stats = report.stats["certified_secant"].summary()
    exact, monotone = (int(x) for x in stats["equals_oracle_where_monotone"].split("/"))
    assert exact == monotone > 0


def test_the_same_seed_draws_the_same_deployments() -> None:
    first = fuzz(FuzzSettings(("certified_secant",), examples=30, seed=7))
    second = fuzz(FuzzSettings(("certified_secant",), examples=30, seed=7))
    assert first.stats["certified_secant"].probes == second.stats["certified_secant"].probes
    other = fuzz(FuzzSettings(("certified_secant",), examples=30, seed=8))
    assert other.stats["exponential"].probes != first.stats["exponential"].probes


def test_shards_add_up_to_the_serial_run() -> None:
    settings = FuzzSettings(("certified_secant",), examples=40, seed=3)
    serial = fuzz(settings).stats["exponential"].probes
    shards = [fuzz(replace(settings, shard=(i, 2))).stats["exponential"].probes for i in (0, 1)]
    assert sorted(shards[0] + shards[1]) == sorted(serial)
    assert shards[0] and shards[1]


def test_a_broken_search_is_caught_saved_and_fails_under_pytest(
    pytester, monkeypatch, capsys
) -> None:
    """The whole loop: a two_point forced to a safety factor of 1.0 is found, shrunk, written
    as a scenario, and that scenario fails under plain pytest once committed."""
    spec = SEARCHES["two_point"]

    def forced(probe, params, context):
        return two_point_module.two_point(probe, replace(params, slo_safety_factor=1.0), context)

    monkeypatch.setitem(SEARCHES, "two_point", replace(spec, run=forced))
    pytester.makeini("[pytest]\nsearchbench_scenarios = scenarios\n")
    monkeypatch.chdir(pytester.path)
    code = main(["fuzz", "--search", "two_point", "--examples", "300", "--save", "scenarios"])
    err = capsys.readouterr().err
    assert code == 1 and "two_point at" in err and "outside tolerance" in err
    saved = Path("scenarios/fuzz-seed1.yaml")
    assert saved.is_file() and Path("baselines/search/fuzz-seed1.json").is_file()
    assert "# Failed: two_point at" in saved.read_text()
    pytester.makeconftest(
        "import importlib\nfrom dataclasses import replace\nfrom harness.searches import SEARCHES\n"
        "module = importlib.import_module('harness.searches.two_point')\n"
        "def forced(probe, params, context):\n"
        "    return module.two_point(probe, replace(params, slo_safety_factor=1.0), context)\n"
        "SEARCHES['two_point'] = replace(SEARCHES['two_point'], run=forced)\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.stdout.fnmatch_lines(["*fuzz-seed1*two_point is outside the tolerance*"])
    assert result.ret == 1


def test_bad_fuzz_options_are_one_line(capsys) -> None:
    assert main(["fuzz", "--examples", "0"]) == 2
    assert "--examples: must be >= 1" in capsys.readouterr().err
    assert main(["fuzz", "--shard", "2/2"]) == 2
    assert "--shard: need 0 <= I < N" in capsys.readouterr().err


@pytest.mark.parametrize("search", ["nope"])
def test_an_unknown_search(search: str, capsys) -> None:
    assert main(["fuzz", "--search", search, "--examples", "1"]) == 2
    assert "unknown search 'nope'" in capsys.readouterr().err
