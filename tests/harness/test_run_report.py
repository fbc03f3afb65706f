"""The run report carries its kind and version; ``compare`` migrates older reports and refuses
other kinds and newer versions in one line naming the file. The ``--format`` registry."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import build_parser, main
from harness.reporting.formats import FORMATS, Output, add_format_flag, render_output
from harness.reporting.run_report import REPORT_FORMAT, REPORT_VERSION, read_run_report

REPO = Path(__file__).resolve().parents[2]
SCENARIO = str(REPO / "scenarios" / "qwen3-32b-8x-disagg-decode.yaml")


@pytest.fixture(scope="module")
def report_text() -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["run", SCENARIO, "--format", "json"])
    return out.getvalue()


def _write(tmp_path: Path, name: str, payload: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(payload))
    return path


def test_the_run_report_names_its_kind_version_and_command(report_text: str) -> None:
    payload = json.loads(report_text)
    assert payload["format"] == REPORT_FORMAT == "searchbench-run"
    assert payload["version"] == REPORT_VERSION == 1
    assert payload["command"] == "searchbench run"
    assert list(payload)[:3] == ["format", "version", "command"]
    assert payload["rows"] and payload["checks"]


def test_an_unversioned_report_is_version_0_and_compares_the_same(
    tmp_path: Path, report_text: str, capsys
) -> None:
    current = json.loads(report_text)
    versioned = _write(tmp_path, "v1.json", current)
    old = {"rows": current["rows"], "checks": current["checks"]}
    unversioned = _write(tmp_path, "v0.json", old)
    bare = _write(tmp_path, "v0-list.json", current["rows"])
    for path in (unversioned, bare):
        migrated = read_run_report(path)
        assert migrated["version"] == REPORT_VERSION and migrated["rows"] == current["rows"]
    assert main(["compare", str(unversioned), str(versioned), "--format", "json"]) == 0
    from_old = json.loads(capsys.readouterr().out)
    assert main(["compare", str(versioned), str(versioned), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == from_old
    assert from_old["failures"] == 0 and len(from_old["rows"]) == len(current["rows"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": REPORT_VERSION + 1}, "run report version 2 is newer than this searchbench"),
        ({"format": "searchbench-fuzz"}, "format 'searchbench-fuzz', expected 'searchbench-run'"),
        ({"format": 2}, "format 2, expected 'searchbench-run'"),
        ({"version": "1"}, "version: expected a whole number, got '1'"),
        ({"version": True}, "version: expected a whole number, got True"),
        ({"version": -1}, "version: expected a whole number, got -1"),
        ({"rows": {"TP=8": 1}}, "rows: expected a list of objects"),
    ],
)
def test_compare_refuses_another_kind_or_version_in_one_line(
    tmp_path: Path, report_text: str, capsys, change: dict, message: str
) -> None:
    good = _write(tmp_path, "good.json", json.loads(report_text))
    bad = _write(tmp_path, "bad.json", {**json.loads(report_text), **change})
    assert main(["compare", str(good), str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert err.startswith(f"searchbench: error: {bad}: ") and message in err


def test_a_stored_baseline_is_not_a_run_report(capsys) -> None:
    baseline = REPO / "baselines" / "search" / "qwen3-32b-8x-disagg-decode.json"
    assert main(["compare", str(baseline), str(baseline)]) == 2
    err = capsys.readouterr().err
    assert f"{baseline}: not a searchbench run report (format 2" in err


def test_each_command_offers_formats_from_the_registry() -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    offered = {
        name: next(a.choices for a in sub._actions if a.dest == "format")
        for name, sub in commands.items()
        if any(a.dest == "format" for a in sub._actions)
    }
    assert offered["run"] == ("table", "markdown", "json", "csv")
    assert offered["compare"] == ("table", "markdown", "json")
    assert all(set(choices) <= set(FORMATS) for choices in offered.values())


def test_the_format_flag_refuses_names_the_registry_lacks() -> None:
    with pytest.raises(ValueError, match="unknown format 'yaml'"):
        add_format_flag(argparse.ArgumentParser(), ("table", "yaml"))
    with pytest.raises(ValueError, match="the default 'table' is not among"):
        add_format_flag(argparse.ArgumentParser(), ("json",))


def test_each_format_renders_its_view() -> None:
    output = Output(text=lambda: "| a |", payload=lambda: {"a": [1, None]})
    assert render_output("table", output) == "| a |\n"
    assert render_output("markdown", output) == "| a |\n"
    assert json.loads(render_output("json", output)) == {"a": [1, None]}
    with pytest.raises(ValueError, match="--format csv: this command's output has no rows view"):
        render_output("csv", output)


def test_building_the_command_line_leaves_pandas_and_numpy_unimported() -> None:
    """compare reads reports with pandas and the cost model runs on numpy; both load only when a
    command needs them, so ``--help`` and flag errors stay fast."""
    code = "import sys; from harness.cli import build_parser; build_parser(); "
    code += "print(sorted(m for m in ('pandas', 'numpy') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
