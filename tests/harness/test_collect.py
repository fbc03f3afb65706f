"""One discover -> collide -> load flow: ``searchbench validate``, ``searchbench run`` and the
pytest plugin refuse the same files, for the same reason, in one line each."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from harness.cli import main
from harness.scenarios import collect_scenarios

REPO = Path(__file__).resolve().parents[2]
EAGER = REPO / "scenarios" / "qwen3-32b-8x-tpot50-eager.yaml"
INI = "[pytest]\naddopts = -p no:cacheprovider\nsearchbench_scenarios = scenarios\n"


def _place(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EAGER, root / name)


LAYOUTS = {
    "x.yaml beside x.yml, one named": (
        ("scenarios/x.yaml", "scenarios/x.yml"),
        ["scenarios/x.yaml"],
        {"scenarios/x.yaml"},
    ),
    "two folders outside, one stem": (
        ("a/y.yaml", "b/y.yaml"),
        ["a/y.yaml", "b/y.yaml"],
        {"a/y.yaml", "b/y.yaml"},
    ),
    "a copy outside shares the folder's id": (
        ("scenarios/z.yaml", "other/z.yaml"),
        ["other/z.yaml"],
        set(),
    ),
    "the whole folder": (
        ("scenarios/x.yaml", "scenarios/x.yml", "scenarios/w.yaml"),
        [],
        {"scenarios/x.yaml", "scenarios/x.yml"},
    ),
}


def _relative(text: str) -> str:
    path = Path(text)
    return path.relative_to(Path.cwd()).as_posix() if path.is_absolute() else path.as_posix()


def _validate_refuses(args: list[str], capsys) -> set[str]:
    main(["validate", *args])
    lines = capsys.readouterr().out.splitlines()
    return {
        _relative(line.split()[1].rstrip(":"))
        for line in lines
        if line.startswith("invalid ") and "is also claimed by" in line
    }


def _plugin_refuses(pytester, args: list[str]) -> set[str]:
    result = pytester.runpytest("--collect-only", "-q", *args)
    return {line.split("::")[0] for line in result.outlines if line.endswith("::scenario")}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_cli_and_the_plugin_refuse_the_same_claims(pytester, capsys, layout: str) -> None:
    files, args, refused = LAYOUTS[layout]
    pytester.makeini(INI)
    (pytester.path / "scenarios").mkdir(exist_ok=True)
    _place(pytester.path, *files)
    assert _validate_refuses(args, capsys) == refused
    assert _plugin_refuses(pytester, args) == refused
    main(["run", *args, "--format", "json"])
    err = capsys.readouterr().err
    named = re.findall(r"invalid scenario: (\S+): scenario id", err)
    assert {_relative(path) for path in named} == refused


def test_a_looping_link_that_collides_is_refused_without_a_traceback(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(EAGER, folder / "loop.yml")
    (folder / "loop.yaml").symlink_to(folder / "loop.yaml")
    collected = list(collect_scenarios([folder], folder))
    assert [c.file.path.name for c in collected] == ["loop.yaml", "loop.yml"]
    assert all(c.scenario is None for c in collected)
    for item in collected:
        message = str(item.error)
        assert "scenario id 'loop' is also claimed by" in message and "\n" not in message


def test_each_file_is_loaded_or_refused_never_both(tmp_path: Path) -> None:
    shutil.copy(EAGER, tmp_path / "good.yaml")
    (tmp_path / "bad.yaml").write_text("deployment: [\n")
    collected = {c.file.id: c for c in collect_scenarios([tmp_path], tmp_path)}
    assert collected["good"].scenario is not None and collected["good"].error is None
    assert collected["bad"].scenario is None
    assert "bad.yaml:2: invalid YAML" in str(collected["bad"].error)
