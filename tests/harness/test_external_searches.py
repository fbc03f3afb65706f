"""Searches from outside searchbench: package.module:callable names, installed plugins (entry
points), a broken plugin beside working ones, and msmodeling's own search code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main
from harness.optimizer import optimize
from harness.request import OptimizerRequest, SearchRun
from harness.searches import msmodeling

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
FAKE_MSMODELING = FIXTURES / "fake_msmodeling"
MISSION = ["Qwen/Qwen3-32B", "--num-devices", "8", "--input-length", "3500"]
MISSION += ["--output-length", "1500", "--tpot-limit", "50"]


def sequences(*searches: str, tp_sizes=(8, 4)) -> dict[tuple[str, str], tuple[int, ...]]:
    request = OptimizerRequest(
        model="Qwen/Qwen3-32B",
        num_devices=8,
        input_length=3500,
        output_length=1500,
        tpot_limit_ms=50,
        tp_sizes=tp_sizes,
        searches=tuple(SearchRun(s) for s in searches),
    )
    return {(o.key, o.result.search): o.result.sequence for o in optimize(request)}


@pytest.fixture
def plugin_path(monkeypatch):
    monkeypatch.syspath_prepend(str(FIXTURES / "example_plugin"))


def test_a_module_callable_is_a_search(plugin_path) -> None:
    found = sequences("my_searches:from_the_top", "exponential", tp_sizes=(8,))
    assert found["TP=8", "my_searches:from_the_top"][:3] == (1024, 512, 256)


def test_a_bad_reference_is_one_line(capsys) -> None:
    assert main(["optimize", *MISSION, "--search", "no_such_module:thing"]) == 2
    err = capsys.readouterr().err
    assert "search 'no_such_module:thing' cannot be loaded: ModuleNotFoundError" in err
    assert "Traceback" not in err


def _site(tmp_path: Path, entry_points: str) -> Path:
    """An installed package, as pip leaves one: the module and its dist-info on the path."""
    site = tmp_path / "site"
    site.mkdir()
    for module in ("my_searches.py", "broken_searches.py"):
        shutil.copy(FIXTURES / "example_plugin" / module, site)
    info = site / "my_searches-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: my-searches\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[searchbench.searches]\n{entry_points}")
    return site


def _run(args: list[str], site: Path, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def test_an_installed_plugin_runs_in_searchbench_and_pytest(tmp_path: Path) -> None:
    site = _site(tmp_path, "from_the_top = my_searches:from_the_top\n")
    project = tmp_path / "project"
    (project / "scenarios").mkdir(parents=True)
    (project / "pytest.ini").write_text("[pytest]\nsearchbench_scenarios = scenarios\n")
    scenario = (REPO / "scenarios" / "qwen3-0.6b-1x-a2-280t.yaml").read_text()
    scenario += "searches:\n  candidates: [from_the_top]\nexpect: {fewer_probes: false,"
    scenario += " never_more_probes: false}\n"
    (project / "scenarios" / "plugin.yaml").write_text(scenario)
    created = _run(["-m", "pytest", "-q", "--update-baselines", "-p", "no:randomly"], site, project)
    assert created.returncode == 0, created.stdout + created.stderr
    assert "6 passed" in created.stdout
    done = _run(["-m", "harness", "run", "--format", "json"], site, project)
    assert done.returncode == 0, done.stderr
    assert '"search": "from_the_top"' in done.stdout


def test_a_broken_plugin_is_named_and_the_others_still_run(tmp_path: Path) -> None:
    site = _site(
        tmp_path,
        "from_the_top = my_searches:from_the_top\nbroken = broken_searches:nothing\n",
    )
    args = ["-m", "harness", "optimize", *MISSION, "--tp-sizes", "8"]
    done = _run([*args, "--search", "exponential", "from_the_top"], site)
    assert done.returncode == 0, done.stderr
    assert "search plugin 'broken' (broken_searches:nothing) failed to load: ImportError" in (
        done.stderr
    )
    assert "from_the_top" in done.stdout and "Traceback" not in done.stderr
    asked = _run([*args, "--search", "broken"], site)
    assert asked.returncode == 2 and "failed to load" in asked.stderr


@pytest.fixture
def fake_checkout():
    msmodeling.configure(FAKE_MSMODELING)
    yield FAKE_MSMODELING
    msmodeling.configure(None)


def test_msmodeling_code_runs_on_our_simulator(fake_checkout) -> None:
    found = sequences("msmodeling:exponential", "exponential")
    for tp in ("TP=8", "TP=4"):
        assert found[tp, "msmodeling:exponential"] == found[tp, "exponential"]
    assert not list(FAKE_MSMODELING.rglob("__pycache__"))


def test_a_moved_internal_is_one_line(tmp_path: Path, capsys) -> None:
    moved = tmp_path / "msm"
    shutil.copytree(FAKE_MSMODELING, moved)
    path = moved / "serving_cast" / "service" / "base_throughput_optimizer.py"
    path.write_text(path.read_text().replace("def run(self", "def run_search(self"))
    code = main(
        ["optimize", *MISSION, "--msmodeling", str(moved), "--search", "msmodeling:exponential"]
    )
    msmodeling.configure(None)
    err = capsys.readouterr().err
    assert code == 2
    assert "msmodeling changed: expected" in err and "BaseThroughputOptimizer.run" in err


def test_not_a_checkout(tmp_path: Path, capsys) -> None:
    code = main(
        ["optimize", *MISSION, "--msmodeling", str(tmp_path), "--search", "msmodeling:exponential"]
    )
    msmodeling.configure(None)
    assert code == 2
    assert "not an msmodeling checkout" in capsys.readouterr().err


@pytest.mark.skipif(
    not os.environ.get(msmodeling.ENVIRONMENT),
    reason=f"set {msmodeling.ENVIRONMENT} to an msmodeling checkout to run its real search code",
)
def test_the_real_checkout_probes_as_our_replicas() -> None:
    msmodeling.configure(None)
    found = sequences(
        "msmodeling:exponential",
        "exponential",
        "msmodeling:linear_exponential",
        "two_point",
        tp_sizes=(8, 4, 2, 1),
    )
    for tp in ("TP=8", "TP=4", "TP=2", "TP=1"):
        assert found[tp, "msmodeling:exponential"] == found[tp, "exponential"]
        assert found[tp, "msmodeling:linear_exponential"] == found[tp, "two_point"]


def _gated_scenario(folder: Path) -> Path:
    text = (REPO / "scenarios" / "qwen3-32b-8x-tpot50-eager.yaml").read_text()
    text += "searches:\n  candidates: [msmodeling:exponential]\n"
    text += (
        "expect:\n  fewer_probes: false\n  same_probes_as: {msmodeling:exponential: exponential}\n"
    )
    path = folder / "gate.yaml"
    path.write_text(text)
    return path


def _answers(scenario: Path, checkout: Path, folder: Path, capsys) -> dict[str, dict]:
    args = ["run", str(scenario), "--msmodeling", str(checkout), "--baselines", str(folder)]
    main([*args, "--format", "json"])
    msmodeling.configure(None)
    checks = json.loads(capsys.readouterr().out)["checks"]
    return {c["item"]: c for c in checks if c["item"].startswith("answers")}


def test_a_scenario_gates_msmodelings_code_probe_for_probe(tmp_path: Path, capsys) -> None:
    scenario = _gated_scenario(tmp_path)
    same = _answers(scenario, FAKE_MSMODELING, tmp_path, capsys)
    assert len(same) == 4 and all(c["passed"] for c in same.values())
    changed = tmp_path / "msm"
    shutil.copytree(FAKE_MSMODELING, changed)
    path = changed / "serving_cast" / "service" / "base_throughput_optimizer.py"
    path.write_text(path.read_text().replace("low, high = 1, 512", "low, high = 1, 256"))
    moved = _answers(scenario, changed, tmp_path, capsys)
    assert not moved["answers[TP=8]"]["passed"]
    assert (
        "msmodeling:exponential does not probe as exponential does"
        in (moved["answers[TP=8]"]["message"])
    )
    assert "differ at #2: [256" in moved["answers[TP=8]"]["message"]
