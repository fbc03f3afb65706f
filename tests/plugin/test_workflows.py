"""The README's workflows, followed as written, in a throwaway project."""

from __future__ import annotations

import json

from harness.cli import main

INI = "[pytest]\nsearchbench_scenarios = scenarios\nsearchbench_baselines = baselines/search\n"


def test_add_a_scenario_from_template_to_green(pytester, monkeypatch, capsys) -> None:
    """new-scenario -> validate -> pytest --update-baselines -> pytest, as the README says."""
    pytester.makeini(INI)
    (pytester.path / "scenarios").mkdir()
    monkeypatch.chdir(pytester.path)
    assert main(["new-scenario", "scenarios/my-model.yaml"]) == 0
    assert main(["validate", "scenarios/my-model.yaml"]) == 0
    assert "1 valid, 0 invalid" in capsys.readouterr().out
    created = pytester.runpytest("scenarios/my-model.yaml", "--update-baselines")
    created.assert_outcomes(passed=10)
    created.stdout.fnmatch_lines(["*baseline created: baselines/search/my-model.json*"])
    stored = json.loads((pytester.path / "baselines/search/my-model.json").read_text())
    assert stored["scenario"] == "my-model" and stored["results"]["TP=8"]
    pytester.runpytest().assert_outcomes(passed=10)
    assert main(["run"]) == 0


def test_last_failed_reruns_only_the_failure(pytester) -> None:
    """--lf works: the cache provider is not switched off."""
    pytester.makeini(INI)
    pytester.makepyfile(test_a="def test_ok():\n    pass\n\ndef test_bad():\n    assert 0\n")
    pytester.runpytest().assert_outcomes(passed=1, failed=1)
    pytester.runpytest("--lf").assert_outcomes(failed=1)


def test_a_strategy_is_selected_with_k(pytester) -> None:
    """``-k TP8`` selects the TP=8 answers item; ``-k "TP=8"`` is not a valid expression."""
    from tests.plugin.helpers import project

    project(pytester, "qwen3-32b-8x-tpot50-eager")
    lines = pytester.runpytest("--collect-only", "-q", "-k", "TP8 and answers").outlines
    assert "scenarios/qwen3-32b-8x-tpot50-eager.yaml::answers[TP=8]" in lines
    assert sum(line.startswith("scenarios/") for line in lines) == 1
