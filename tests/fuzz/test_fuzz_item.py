"""``pytest --searchbench-fuzz=N``: the fuzz as one item, judged against the same ledger with
the same verdicts as ``searchbench fuzz``, serially and under pytest-xdist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import harness.fuzz.gate
import harness.fuzz.render  # noqa: F401  in-process pytester runs then share these modules

FORCED = (
    "import importlib\nfrom dataclasses import replace\nfrom harness.searches import SEARCHES\n"
    "module = importlib.import_module('harness.searches.two_point')\n"
    "def forced(probe, params, context):\n"
    "    return module.two_point(probe, replace(params, slo_safety_factor=1.0), context)\n"
    "SEARCHES['two_point'] = replace(SEARCHES['two_point'], run=forced)\n"
)
FLAG = "--searchbench-fuzz=120"


@pytest.fixture
def project(pytester, monkeypatch):
    from tests.fuzz.test_ledger import force_safety_factor

    pytester.makeini("[pytest]\nsearchbench_scenarios = scenarios\n")
    force_safety_factor(monkeypatch, 1.0)  # for the in-process runs
    return pytester


def new_rows(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("| new ")]


@pytest.mark.slow
def test_the_item_fails_with_the_new_misses_serially_and_on_two_workers(project) -> None:
    serial = project.runpytest(FLAG, "-p", "no:randomly")
    project.makeconftest(FORCED)  # for the workers' processes
    parallel = project.runpytest_subprocess(FLAG, "-p", "no:randomly", "-n", "2")
    rows = new_rows(serial.outlines)
    assert serial.ret == parallel.ret == 1 and len(rows) >= 2
    assert new_rows(parallel.outlines) == rows
    serial.stdout.fnmatch_lines(["*ledger baselines/fuzz/seed1-n120.json (none yet)*"])


@pytest.mark.slow
def test_update_baselines_records_the_ledger_the_command_reads(project, capsys) -> None:
    from harness.cli import main

    done = project.runpytest(FLAG, "--update-baselines", "-p", "no:randomly")
    assert done.ret == 0
    done.stdout.fnmatch_lines(["*fuzz ledger written: *seed1-n120.json*"])
    ledger = Path(project.path, "baselines", "fuzz", "seed1-n120.json")
    recorded = json.loads(ledger.read_text())
    assert recorded["examples"] == 120 and recorded["misses"]
    assert project.runpytest(FLAG, "-p", "no:randomly").ret == 0
    project.chdir()
    capsys.readouterr()
    assert main(["fuzz", "--examples", "120"]) == 0, "the command reads the item's ledger"
    assert json.loads(ledger.read_text()) == recorded
