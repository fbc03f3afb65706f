"""The plugin end to end, in throwaway projects: collection, gates, failures, xdist."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.plugin.helpers import SCENARIOS, project, set_baseline_probes, tamper

MISSION = "qwen3-32b-8x-tpot50-compiled"
EAGER = "qwen3-32b-8x-tpot50-eager"
DECODE = "qwen3-32b-8x-disagg-decode"


def test_a_yaml_file_adds_its_tests(pytester) -> None:
    folder = project(pytester, EAGER)
    before = pytester.runpytest("--collect-only", "-q").outlines
    shutil.copy(SCENARIOS / "qwen3-8b-4x-a2-313t.yaml", folder / "my-new-model.yaml")
    after = pytester.runpytest("--collect-only", "-q").outlines
    added = sorted(set(after) - set(before))
    assert "scenarios/my-new-model.yaml::answers[TP=4]" in added
    assert "scenarios/my-new-model.yaml::regression" in added
    assert "scenarios/my-new-model.yaml::timing[two_point]" in added


def test_item_names_read_well(pytester) -> None:
    project(pytester, MISSION)
    lines = pytester.runpytest("--collect-only", "-q").outlines
    assert f"scenarios/{MISSION}.yaml::answers[TP=8]" in lines
    assert f"scenarios/{MISSION}.yaml::probes" in lines
    assert f"scenarios/{MISSION}.yaml::timing[exponential]" in lines


def test_the_bundled_scenario_passes_against_its_baseline(pytester) -> None:
    project(pytester, MISSION)
    pytester.runpytest().assert_outcomes(passed=10)


def test_a_missing_baseline_fails_with_the_command_that_creates_it(pytester) -> None:
    project(pytester, EAGER, with_baselines=False)
    result = pytester.runpytest()
    result.assert_outcomes(passed=9, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*no stored baseline at baselines/search/qwen3-32b-8x-tpot50-eager.json; create it*",
            "*pytest scenarios/qwen3-32b-8x-tpot50-eager.yaml --update-baselines*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_safety_factor_forced_to_one_is_caught(pytester) -> None:
    project(pytester, DECODE)
    tamper(
        pytester,
        (
            "spec = searches.SEARCHES['two_point']\n"
            "def forced(probe, params, context):\n"
            "    forced = replace(params, slo_safety_factor=1.0)\n"
            "    return tp_module.two_point(probe, forced, context)\n"
            "searches.SEARCHES['two_point'] = replace(spec, run=forced)\n"
        ),
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=2, passed=8)
    result.stdout.fnmatch_lines(
        [
            "*qwen3-32b-8x-disagg-decode TP=8,decode: two_point is outside the tolerance*",
            "two_point * 165 ±2% * 161 * FAIL",
            "*qwen3-32b-8x-disagg-decode: answers or probe counts differ*",
            "*TP=8,decode*two_point.batch_size*165*161*",
        ]
    )


def test_skipping_the_last_binary_search_step_is_caught(pytester) -> None:
    project(pytester, EAGER)
    tamper(
        pytester,
        (
            "def sloppy(probe, left, right):\n"
            "    while right - left > 1:\n"
            "        mid = (left + right) // 2\n"
            "        if probe(mid).feasible:\n"
            "            left = mid\n"
            "        else:\n"
            "            right = mid - 1\n"
            "    return left\n"
            "tp_module.binary_search = sloppy\n"
        ),
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1, passed=9)
    result.stdout.fnmatch_lines(["*two_point.probes*", "FAILED *regression*"])


def test_a_probe_count_increase_is_caught(pytester) -> None:
    project(pytester, EAGER)
    tamper(
        pytester,
        (
            "spec = searches.SEARCHES['two_point']\n"
            "def wasteful(probe, params, context):\n"
            "    probe(2)\n"
            "    return tp_module.two_point(probe, params, context)\n"
            "searches.SEARCHES['two_point'] = replace(spec, run=wasteful)\n"
        ),
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1, passed=9)
    result.stdout.fnmatch_lines(["*TP=8*two_point.probes*9*10*"])


def test_malformed_scenarios_fail_alone_with_one_clear_line(pytester) -> None:
    folder = project(pytester, EAGER)
    good = (SCENARIOS / f"{EAGER}.yaml").read_text()
    (folder / "bad-yaml.yaml").write_text("deployment: [unclosed\n")
    (folder / "unknown-key.yaml").write_text(good + "colour: blue\n")
    (folder / "wrong-type.yaml").write_text(good.replace("num_devices: 8", "num_devices: eight"))
    (folder / "unknown-model.yaml").write_text(good.replace("Qwen/Qwen3-32B", "Qwen/Qwen9-9T"))
    (folder / "unknown-device.yaml").write_text(good.replace("TEST_DEVICE", "H100"))
    (folder / "python-tag.yaml").write_text("!!python/object/apply:os.system ['echo hi']\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=10, failed=6)
    result.stdout.fnmatch_lines_random(
        [
            "*invalid scenario: scenarios/bad-yaml.yaml:2: invalid YAML*",
            "*invalid scenario: scenarios/unknown-key.yaml:11: colour: unknown key (allowed: "
            "description, deployment, searches, expect)",
            "*invalid scenario: scenarios/wrong-type.yaml:5: deployment.num_devices: expected an "
            "integer, got str 'eight'",
            "*invalid scenario: scenarios/unknown-model.yaml:3: deployment.model: unknown model*",
            "*invalid scenario: scenarios/unknown-device.yaml:4: deployment.device: 'H100' is not "
            "allowed (allowed: TEST_DEVICE*",
            "*invalid scenario: scenarios/python-tag.yaml:1: tag*python/object*is not allowed*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_a_baseline_without_a_scenario_is_reported(pytester) -> None:
    project(pytester, EAGER)
    stray = pytester.path / "baselines" / "search" / "retired-scenario.json"
    stray.write_text(json.dumps({"scenario": "retired-scenario", "results": {}}))
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(
        [
            "*searchbench: baselines without a scenario*",
            "*retired-scenario.json (no scenario file for it; delete it?)",
        ]
    )


def test_update_baselines_writes_and_prints_the_diff(pytester) -> None:
    project(pytester, EAGER)
    path = set_baseline_probes(pytester, EAGER, "TP=8", "two_point", 99)
    result = pytester.runpytest("--update-baselines")
    result.assert_outcomes(passed=10)
    result.stdout.fnmatch_lines(["*baselines written*", "*TP=8*two_point.probes*99*9*"])
    assert json.loads(path.read_text())["results"]["TP=8"]["two_point"]["probes"] == 9
    pytester.runpytest().assert_outcomes(passed=10)


@pytest.mark.slow
def test_xdist_and_serial_runs_agree(pytester) -> None:
    folder = project(pytester, EAGER, "qwen3-32b-8x-disagg-decode", "qwen3-30b-a3b-8x-ep")
    (folder / "unknown-key.yaml").write_text("deployment: {}\nbogus: 1\n")
    path = pytester.path / "baselines" / "search" / "qwen3-30b-a3b-8x-ep.json"
    stored = json.loads(path.read_text())["results"]["TP=1,EP=2"]["two_point"]["probes"]
    set_baseline_probes(pytester, "qwen3-30b-a3b-8x-ep", "TP=1,EP=2", "two_point", stored + 1)

    def verdicts(*args: str) -> dict[str, str]:
        result = pytester.runpytest_subprocess("-rA", "-p", "no:randomly", *args)
        out = {}
        for line in result.outlines:
            for word in ("PASSED", "FAILED"):
                if line.startswith(word + " "):
                    out[line.split()[1]] = word
        return out

    serial = verdicts()
    parallel = verdicts("-n", "2")
    assert serial == parallel
    assert list(serial.values()).count("FAILED") == 2


def _stored_timings(nodeids: list[str], median_s: float) -> dict[str, object]:
    """A pytest-benchmark run as ``--benchmark-save`` stores it, every item at ``median_s``."""
    stats = {
        "min": median_s,
        "max": median_s,
        "mean": median_s,
        "stddev": 0.0,
        "rounds": 5,
        "median": median_s,
        "iqr": 0.0,
        "q1": median_s,
        "q3": median_s,
        "iqr_outliers": 0,
        "stddev_outliers": 0,
        "outliers": "0;0",
        "ld15iqr": median_s,
        "hd15iqr": median_s,
        "ops": 1 / median_s,
        "total": 5 * median_s,
        "iterations": 1,
    }
    benchmarks = [
        {
            "group": EAGER,
            "name": nodeid.split("::")[-1],
            "fullname": nodeid,
            "params": None,
            "param": None,
            "extra_info": {},
            "options": {"timer": "perf_counter", "min_rounds": 5, "warmup": False},
            "stats": stats,
        }
        for nodeid in nodeids
    ]
    return {
        "machine_info": {},
        "commit_info": {},
        "benchmarks": benchmarks,
        "datetime": "2026-01-01T00:00:00+00:00",
        "version": "5.1.0",
    }


@pytest.mark.parametrize(
    ("stored_median_s", "regressed"),
    [(1e-12, True), (1e9, False)],
    ids=["stored-run-impossibly-fast", "stored-run-impossibly-slow"],
)
def test_timing_against_a_stored_run_fails_only_on_a_regression_without_a_traceback(
    pytester, monkeypatch, stored_median_s: float, regressed: bool
) -> None:
    """The stored medians are out of any machine's reach (1 ps, 30 years), so the verdict does
    not depend on how fast this machine runs an optimize."""
    project(pytester, EAGER)
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(name, raising=False)
    collected = pytester.runpytest("--collect-only", "-q").outlines
    timing_items = [line for line in collected if "::timing[" in line]
    assert len(timing_items) == 3
    stored = pytester.path / "stored-timings.json"
    stored.write_text(json.dumps(_stored_timings(timing_items, stored_median_s)))
    result = pytester.runpytest_subprocess(
        "--benchmark-only",
        "--benchmark-name=long",
        f"--benchmark-storage={pytester.path / 'timings'}",
        f"--benchmark-compare={stored}",
        "--benchmark-compare-fail=median:100%",
    )
    out = result.stdout.str()
    assert "Traceback" not in out + result.stderr.str()
    if regressed:
        assert result.ret == 1
        section = out[out.index("searchbench: timing regressed") :].splitlines()
        for item in timing_items:
            named = [line for line in section if line.startswith(f"  {item} (")]
            assert len(named) == 1 and "Field 'median' has failed" in named[0], section
    else:
        assert result.ret == 0, out
        assert "timing regressed" not in out
        result.assert_outcomes(passed=3, skipped=7)
