"""The plugin stays out of projects that did not ask for it; scenario ids never collide; a
mismatch leaves an .obtained file; --update-baselines repairs a corrupt baseline."""

from __future__ import annotations

import json
import shutil

from tests.plugin.helpers import BASELINES, SCENARIOS, project, set_baseline_probes

EAGER = "qwen3-32b-8x-tpot50-eager"


def test_an_unrelated_project_with_a_scenarios_folder_runs_untouched(pytester) -> None:
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "login.yaml").write_text("user: admin\nsteps: [open, type]\n")
    pytester.makepyfile(test_login="def test_login():\n    assert True\n")
    result = pytester.runpytest("-rA")
    result.assert_outcomes(passed=1)
    out = result.stdout.str()
    assert "login.yaml" not in out
    assert "searchbench:" not in out and "invalid scenario" not in out


def test_the_command_line_option_turns_it_on(pytester) -> None:
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    (pytester.path / "cases").mkdir()
    shutil.copy(SCENARIOS / f"{EAGER}.yaml", pytester.path / "cases")
    (pytester.path / "baselines" / "search").mkdir(parents=True)
    shutil.copy(BASELINES / f"{EAGER}.json", pytester.path / "baselines" / "search")
    lines = pytester.runpytest("--searchbench-scenarios=cases", "--collect-only", "-q").outlines
    assert f"cases/{EAGER}.yaml::regression" in lines


def test_same_named_files_in_two_folders_keep_separate_baselines(pytester) -> None:
    folder = project(pytester)
    for sub in ("a", "b"):
        (folder / sub).mkdir()
        shutil.copy(SCENARIOS / f"{EAGER}.yaml", folder / sub / "x.yaml")
    result = pytester.runpytest("--update-baselines")
    result.assert_outcomes(passed=20)
    stored = pytester.path / "baselines" / "search"
    for sub in ("a", "b"):
        assert json.loads((stored / sub / "x.json").read_text())["scenario"] == f"{sub}/x"
    pytester.runpytest().assert_outcomes(passed=20)


def test_two_files_claiming_one_id_fail_and_name_each_other(pytester) -> None:
    folder = project(pytester)
    shutil.copy(SCENARIOS / f"{EAGER}.yaml", folder / "x.yaml")
    shutil.copy(SCENARIOS / f"{EAGER}.yaml", folder / "x.yml")
    result = pytester.runpytest()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*scenario id 'x' is also claimed by*x.y*ml*"])


def test_a_mismatch_leaves_the_obtained_results_beside_the_baseline(pytester) -> None:
    project(pytester, EAGER)
    path = set_baseline_probes(pytester, EAGER, "TP=8", "two_point", 99)
    result = pytester.runpytest()
    result.assert_outcomes(passed=9, failed=1)
    obtained = path.with_name(f"{EAGER}.obtained.json")
    result.stdout.fnmatch_lines([f"*this run's results: baselines/search/{obtained.name}*"])
    assert json.loads(obtained.read_text())["results"]["TP=8"]["two_point"]["probes"] == 9
    pytester.runpytest("--update-baselines").assert_outcomes(passed=10)
    assert not obtained.exists()


def test_update_baselines_repairs_a_corrupt_file(pytester) -> None:
    project(pytester, EAGER)
    path = pytester.path / "baselines" / "search" / f"{EAGER}.json"
    path.write_text('{"results": {"TP=1": 5}}')
    broken = pytester.runpytest()
    broken.assert_outcomes(passed=9, failed=1)
    broken.stdout.fnmatch_lines(["*results.TP=1: expected an object of searches, got 5*"])
    assert "Traceback" not in broken.stdout.str()
    repaired = pytester.runpytest("--update-baselines")
    repaired.assert_outcomes(passed=10)
    repaired.stdout.fnmatch_lines(["*baseline repaired*"])
    assert json.loads(path.read_text())["results"]["TP=8"]["two_point"]["probes"] == 9
    pytester.runpytest().assert_outcomes(passed=10)
