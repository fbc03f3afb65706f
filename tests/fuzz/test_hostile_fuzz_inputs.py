"""The fuzz under hostile input (hostile-inputs.md #131-#137): one line each, nothing lost, no
hang; Ctrl-C and SIGTERM stop it with a summary of what ran."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.cli import main


def fuzz(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["fuzz", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--baseline", "exhaustive"], "--baseline: exhaustive is the oracle"),
        (["--search", "two_point", "exhaustive"], "--search: exhaustive is the oracle"),
        (["--examples", "-5"], "--examples: must be 1..1,000,000, got -5"),
        (["--examples", "1000000000", "--shard", "0/100000000"], "--examples: must be 1.."),
        (["--examples", "10", "--shard", "0/11"], "--shard: 11 shards of 10 deployments"),
        (["--shard", "3/2"], "--shard: need 0 <= I < N, got 3/2"),
        (["--shard", "0/0"], "--shard: need 0 <= I < N, got 0/0"),
    ],
)
def test_a_bad_option_is_one_line_at_once(capsys, args: list[str], message: str) -> None:
    start = time.monotonic()
    code, out, err = fuzz(capsys, *args)
    assert code == 2 and out == "" and message in err, err
    assert len(err.strip().splitlines()) == 1
    assert time.monotonic() - start < 5


def test_save_onto_a_file_is_refused_before_the_run(capsys, tmp_path) -> None:
    target = tmp_path / "taken.yaml"
    target.write_text("mine\n")
    start = time.monotonic()
    code, out, err = fuzz(capsys, "--examples", "300", "--seed", "7", "--save", str(target))
    assert code == 2 and out == "" and "is a file, not a folder" in err
    assert time.monotonic() - start < 5 and target.read_text() == "mine\n"


@pytest.mark.slow
def test_save_never_overwrites_a_finding(capsys, pytester, monkeypatch) -> None:
    from tests.fuzz.test_ledger import force_safety_factor

    pytester.makeini("[pytest]\nsearchbench_scenarios = scenarios\n")
    monkeypatch.chdir(pytester.path)
    Path("scenarios").mkdir()
    Path("scenarios/fuzz-seed1.yaml").write_text("# an earlier finding\n")
    Path("baselines/search").mkdir(parents=True)
    Path("baselines/search/fuzz-seed1-2.json").write_text("{}\n")
    force_safety_factor(monkeypatch, 1.0)
    code, _, err = fuzz(capsys, "--search", "two_point", "--examples", "120", "--save", "scenarios")
    saved = sorted(p.name for p in Path("scenarios").iterdir())
    assert code == 1 and Path("scenarios/fuzz-seed1.yaml").read_text() == "# an earlier finding\n"
    assert "fuzz-seed1-2.yaml" not in saved and "fuzz-seed1-3.yaml" in saved
    assert err.count("saved scenarios/fuzz-seed1-") == len(saved) - 1 >= 2
    assert Path("baselines/search/fuzz-seed1-2.json").read_text() == "{}\n"


SCRIPT = """
import os, signal, sys
import harness.fuzz.run as run
from harness.cli import main
signal.signal(signal.SIGINT, signal.default_int_handler)  # xdist workers ignore SIGINT
evaluate, calls = run.evaluate, []
def evaluate_then_signal(request, settings):
    calls.append(request)
    if len(calls) == {after}:
        os.kill(os.getpid(), signal.{signal})
    return evaluate(request, settings)
run.evaluate = evaluate_then_signal
sys.exit(main(["fuzz", "--examples", "1000", "--seed", "7", "--save", {save!r},
               "--ledger", {ledger!r}]))
"""
"""A fuzz run that signals itself inside its fifth deployment's check, wherever the machine's
speed puts that in time."""


@pytest.mark.parametrize("name, code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_an_interrupt_stops_with_a_summary_of_what_ran(tmp_path, name: str, code: int) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\nsearchbench_scenarios = scenarios\n")
    save, ledger = tmp_path / "scenarios", tmp_path / "ledger.json"
    script = SCRIPT.format(after=5, signal=name, save=str(save), ledger=str(ledger))
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    assert f"interrupted by {name} after" in done.stdout
    assert "| exponential " in done.stdout, "the summary of what ran"
    assert f"searchbench fuzz: interrupted by {name}" in done.stderr
    written = {p.name for p in tmp_path.iterdir()} - {"pytest.ini", ".hypothesis"}
    assert not written, "no partial file, no ledger, no scenario"


def test_an_interrupt_while_shrinking_keeps_what_ran(monkeypatch) -> None:
    from harness.fuzz import FuzzSettings, run_gate
    from harness.fuzz.ledger import Ledger
    from tests.fuzz.test_ledger import force_safety_factor

    force_safety_factor(monkeypatch, 1.0)

    def interrupted(found, settings):
        raise KeyboardInterrupt

    monkeypatch.setattr("harness.fuzz.gate.shrink", interrupted)
    settings = FuzzSettings(("two_point",), examples=120)
    run = run_gate(settings, Ledger(Path("none.json"), 1, 120, settings.tolerance, exists=False))
    assert run.report.stop is not None and run.report.stop.reason == "interrupted"
    assert run.report.drawn == 120 and run.verdict.new and not run.passed


def test_the_plugin_names_its_flag_for_a_bad_count(pytester) -> None:
    pytester.makeini("[pytest]\nsearchbench_scenarios = scenarios\n")
    start = time.monotonic()
    result = pytester.runpytest("--searchbench-fuzz=-1", "-p", "no:randomly")
    assert result.ret == 1 and time.monotonic() - start < 10
    result.stdout.fnmatch_lines(["*--searchbench-fuzz: must be 1..1,000,000, got -1*"])
    result.stdout.no_fnmatch_line("*max_examples*")


def test_a_long_draw_for_a_small_shard_reports_progress(capsys, monkeypatch, tmp_path) -> None:
    """Every shard draws every deployment: without a terminal, progress is a line now and then
    (every 30 s; here every draw), so a huge count with a tiny shard never looks hung."""
    monkeypatch.setattr("harness.cli.fuzz.PROGRESS_SECONDS", 0.0)
    ledger = str(tmp_path / "ledger.json")
    code, _, err = fuzz(capsys, "--examples", "20", "--shard", "3/10", "--ledger", ledger)
    assert code == 0
    assert "searchbench fuzz: 4 of 20 drawn, 1 checked" in err
    assert "searchbench fuzz: 20 of 20 drawn, 2 checked" in err
