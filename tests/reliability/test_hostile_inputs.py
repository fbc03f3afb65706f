"""Every hostile input a user can type gets one clear line, and nothing is harmed (issue 12).

Each case names what it used to do; a scenario case must fail alone, as its own item, naming
the file (and line and field where there is one).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.cli import main
from harness.errors import SearchbenchError
from harness.scenarios import load_scenario
from tests.plugin.helpers import BASELINES, SCENARIOS

GOOD_ID = "qwen3-32b-8x-tpot50-eager"
GOOD = (SCENARIOS / f"{GOOD_ID}.yaml").read_text()


def _write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


FILES = {
    "non-utf8": (b'description: "\xff"\n', "not UTF-8 text: byte 0xff at offset 14"),
    "nul": (b"a: 1\x00\n", ":1: a NUL byte"),
    "utf16": (GOOD.encode("utf-16"), "not UTF-8 text (UTF-16?)"),
    "tp0": (GOOD + "  tp_sizes: [0]\n", ":11: deployment.tp_sizes[0]: must be >= 1, got 0"),
    "deep": ("[" * 5000 + "]" * 5000, "nested too deeply"),
    "long-model": (GOOD.replace("Qwen/Qwen3-32B", "x" * 100_000), "at most 4,096"),
    "huge-devices": (
        GOOD.replace("num_devices: 8", "num_devices: 1000000000000"),
        "deployment.num_devices: 1000000000000 is outside 1..2048, the device grid",
    ),
    "tolerance-1.5": (GOOD + "expect: {tolerance: 1.5}\n", "expect.tolerance: must be < 1"),
    "tolerance-nan": (GOOD + "expect: {tolerance: .nan}\n", "expect.tolerance: expected a number"),
    "duplicate-tp": (GOOD + "  tp_sizes: [8, 8]\n", "tp_sizes[1]: 8 is listed twice"),
    "dense-ep": (GOOD + "  ep_sizes: [1, 2]\n", "Qwen/Qwen3-32B is dense"),
    "no-candidates": (GOOD + "searches: {candidates: []}\n", "candidates: give at least one"),
    "negative-doublings": (
        GOOD + "searches: {params: {exponential: {max_doublings: -1}}}\n",
        "max_doublings must be 0..30, got -1",
    ),
    "nan-limit": (
        GOOD.replace("tpot_limit_ms: 50", "tpot_limit_ms: .nan"),
        ":8: deployment.tpot_limit_ms",
    ),
}


@pytest.mark.parametrize("case", list(FILES))
def test_a_hostile_file_is_one_clear_error(case: str, tmp_path: Path) -> None:
    content, message = FILES[case]
    path = _write(tmp_path, f"{case}.yaml", content)
    with pytest.raises(SearchbenchError) as info:
        load_scenario(path)
    text = str(info.value)
    assert message in text and f"{case}.yaml" in text
    assert "\n" not in text


def test_an_infinite_limit_means_no_limit(tmp_path: Path) -> None:
    path = _write(tmp_path, "inf.yaml", GOOD.replace("tpot_limit_ms: 50", "tpot_limit_ms: .inf"))
    assert load_scenario(path).request.tpot_limit_ms is None


def test_links_and_folders_named_like_scenarios(tmp_path: Path) -> None:
    (tmp_path / "dir.yaml").mkdir()
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "missing.yaml")
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    for name, message in (
        ("dir.yaml", "a folder, not a scenario file"),
        ("dangling.yaml", "a dangling or looping symbolic link"),
        ("loop.yaml", "a dangling or looping symbolic link"),
    ):
        with pytest.raises(SearchbenchError, match=message) as info:
            load_scenario(tmp_path / name)
        assert str(info.value).startswith(str(tmp_path / name)) or name in str(info.value)


@pytest.mark.slow
def test_serial_collection_never_raises_and_each_bad_file_fails_alone(pytester) -> None:
    folder = pytester.path / "scenarios"
    folder.mkdir()
    pytester.makeini("[pytest]\nsearchbench_scenarios = scenarios\n")
    (pytester.path / "baselines" / "search").mkdir(parents=True)
    _write(folder, f"{GOOD_ID}.yaml", GOOD)
    (pytester.path / "baselines" / "search" / f"{GOOD_ID}.json").write_text(
        (BASELINES / f"{GOOD_ID}.json").read_text()
    )
    for case, (content, _) in FILES.items():
        _write(folder, f"{case}.yaml", content)
    (folder / "dir.yaml").mkdir()
    (folder / "dangling.yaml").symlink_to(folder / "missing.yaml")
    (folder / "loop.yaml").symlink_to(folder / "loop.yaml")
    bad = len(FILES) + 3
    serial = pytester.runpytest("-p", "no:randomly")
    serial.assert_outcomes(passed=10, failed=bad)
    assert "Traceback" not in serial.stdout.str()
    parallel = pytester.runpytest("-p", "no:randomly", "-n", "2")
    parallel.assert_outcomes(passed=10, failed=bad)


@pytest.mark.parametrize(
    ("args", "message", "by_argparse"),
    [
        (["--tp-sizes", "0"], "--tp-sizes item 1: must be >= 1, got 0", False),
        (["--time-scale", "-1"], "must be a number > 0, got -1", True),
        (["--tpot-limits", "nan"], "must be > 0 ms", True),
        (["--slo-safety-factor", "inf"], "--slo-safety-factor: must be > 0", False),
    ],
)
def test_optimize_flags(args: list[str], message: str, by_argparse: bool, capsys) -> None:
    command = ["optimize", "Qwen/Qwen3-32B", "--num-devices", "8", "--input-length", "100"]
    command += ["--output-length", "10", *args]
    if by_argparse:
        with pytest.raises(SystemExit) as info:
            main(command)
        assert info.value.code == 2
    else:
        assert main(command) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err


def test_a_huge_batch_range_is_capped_with_a_message(capsys) -> None:
    args = ["probe", "Qwen/Qwen3-32B", "--num-devices", "8", "--tp", "8"]
    args += ["--input-length", "100", "--output-length", "10", "--batch-size", "1:10000000"]
    assert main(args) == 2
    assert "--batch-size: 1:10000000 is 10,000,000 sizes; at most 65,536" in capsys.readouterr().err


def test_new_scenario_into_a_missing_folder(tmp_path: Path, capsys) -> None:
    assert main(["new-scenario", str(tmp_path / "nope" / "x.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_plot_to_a_text_file(tmp_path: Path, capsys) -> None:
    pytest.importorskip("matplotlib")
    scenario = SCENARIOS / "qwen3-0.6b-1x-a2-280t.yaml"
    assert main(["plot", str(scenario), "-o", str(tmp_path / "x.txt")]) == 2
    assert "plots are PNG files" in capsys.readouterr().err


def test_cacheprovider_can_be_asked_for(pytester) -> None:
    pytester.makepyfile(test_a="def test_ok():\n    pass\n")
    result = pytester.runpytest("-p", "cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_baseline_of_the_wrong_shape_fails_its_item_in_one_line(pytester) -> None:
    from tests.plugin.helpers import project

    project(pytester, GOOD_ID)
    path = pytester.path / "baselines" / "search" / f"{GOOD_ID}.json"
    path.write_text(json.dumps({"results": {"TP=8": {"two_point": {"batch_size": "25"}}}}))
    result = pytester.runpytest()
    result.assert_outcomes(passed=9, failed=1)
    result.stdout.fnmatch_lines(["*results.TP=8.two_point.batch_size: expected null or a whole*"])


def test_csv_keeps_batch_sizes_integers_beside_none(capsys) -> None:
    args = ["optimize", "Qwen/Qwen3-32B", "--num-devices", "8", "--input-length", "3500"]
    args += ["--output-length", "1500", "--tpot-limit", "15", "--search", "exponential"]
    assert main([*args, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    column = lines[0].split(",").index("batch_size")
    values = [line.split(",")[column] for line in lines[1:]]
    assert "" in values and not any(v.endswith(".0") for v in values)


def test_a_scenario_outside_the_folder_keeps_its_baseline_in_the_project(
    tmp_path: Path, monkeypatch
) -> None:
    project = tmp_path / "project"
    (project / "scenarios").mkdir(parents=True)
    (project / "pytest.ini").write_text("[pytest]\nsearchbench_scenarios = scenarios\n")
    elsewhere = tmp_path / "elsewhere" / "deep"
    elsewhere.mkdir(parents=True)
    _write(elsewhere, "mine.yaml", GOOD)
    monkeypatch.chdir(project)
    assert main(["run", str(elsewhere / "mine.yaml")]) == 1
    assert not (tmp_path / "elsewhere" / "baselines").exists()
    assert (project / "baselines" / "search" / "mine.obtained.json").exists() is False
    assert os.listdir(tmp_path / "elsewhere" / "deep") == ["mine.yaml"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (b"\xff\xfe{", "cannot read"),
        (b"[1, 2]", "expected a JSON object, got list"),
        (
            b'{"model_type": "qwen3", "hidden_size": 64, "num_hidden_layers": 1, '
            b'"num_attention_heads": 0, "intermediate_size": 64, "vocab_size": 10}',
            "must be between 1 and",
        ),
    ],
)
def test_a_hostile_model_config_is_one_line(config: bytes, message: str, tmp_path, capsys) -> None:
    (tmp_path / "config.json").write_bytes(config)
    args = ["optimize", str(tmp_path), "--input-length", "10", "--output-length", "10"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch-size", "99999999999999999999"], "past the largest batch"),
        (
            ["--batch-size", "1", "--reserved-memory-gb", "nan"],
            "--reserved-memory-gb: expected a number, got .nan",
        ),
        (["--batch-size", "1", "--num-devices", "0"], "--num-devices: must be >= 1, got 0"),
    ],
)
def test_probe_flags(args: list[str], message: str, capsys) -> None:
    base = ["probe", "Qwen/Qwen3-32B", "--num-devices", "8", "--tp", "8"]
    assert main([*base, "--input-length", "100", "--output-length", "10", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_plots_into_a_file_are_one_line(tmp_path: Path, capsys) -> None:
    pytest.importorskip("matplotlib")
    blocker = tmp_path / "plots"
    blocker.write_text("a file, not a folder")
    scenario = SCENARIOS / "qwen3-0.6b-1x-a2-280t.yaml"
    assert main(["run", str(scenario), "--plots", str(blocker)]) == 2
    assert "cannot write the plot" in capsys.readouterr().err
