"""Input that cannot hang, exhaust memory or mislead, and scenario files that stay data (issue 20).

Each case is a reproduction from ``hostile-inputs.md`` (its number in the test's name): the base
scenario plus one change, which must load as the number the user meant or be refused in one line
that names the file, the line and field where there is one, and the rule; nothing may hang.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.cli import main
from harness.errors import SearchbenchError
from harness.scenarios import load_scenario
from tests.plugin.helpers import REPO, SCENARIOS

BASE = (SCENARIOS / "qwen3-0.6b-1x-a2-280t.yaml").read_text()
QUICK = 10.0
"""Seconds any refusal may take; the hangs these cases reproduce ran for minutes."""


def scenario(folder: Path, text: str, name: str = "case.yaml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def refused(path: Path, *fragments: str) -> str:
    """The one-line error loading ``path`` gives, checked to name the file and ``fragments``."""
    started = time.monotonic()
    with pytest.raises(SearchbenchError) as info:
        load_scenario(path)
    assert time.monotonic() - started < QUICK
    text = str(info.value)
    assert "\n" not in text and path.name in text, text
    for fragment in fragments:
        assert fragment in text, text
    return text


def validate(*paths: Path, cwd: Path = REPO, timeout: float = 60) -> subprocess.CompletedProcess:
    """``searchbench validate`` in a process of its own, so that a hang fails instead of hanging."""
    return subprocess.run(
        [sys.executable, "-m", "harness", "validate", *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def laughs(levels: int) -> str:
    """#1: each level is a list of ten aliases of the level below (10**levels values)."""
    lines = ["x0: &a0 [" + ", ".join(["lol"] * 10) + "]"]
    lines += [f"x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


# --- YAML: aliases bounded, YAML 1.2's types -------------------------------------------------


def test_1_billion_laughs_is_refused_at_once(tmp_path: Path) -> None:
    path = scenario(tmp_path, laughs(10))
    done = validate(path, timeout=30)
    assert done.returncode == 1
    lines = [line for line in done.stdout.splitlines() if line.startswith("invalid")]
    assert len(lines) == 1 and "case.yaml:4: x3: more than 10,000 values" in lines[0], done.stdout
    assert "an alias counts as the values it repeats" in lines[0]
    assert "Traceback" not in done.stderr


def test_a_few_aliases_compose_as_usual(tmp_path: Path) -> None:
    small = BASE + "expect: {more_probes_allowed_at: &keys [TP=1]}\nx: *keys\n"
    refused(scenario(tmp_path, small), "case.yaml:10: x: unknown key")


def test_2_an_alias_loop_names_its_line(tmp_path: Path) -> None:
    path = scenario(tmp_path, BASE + "expect: &e {more_probes_allowed_at: *e}\n")
    refused(path, "case.yaml:9: expect.more_probes_allowed_at: an alias inside the node it names")


def test_nesting_is_bounded_with_aliases_expanded(tmp_path: Path) -> None:
    deep = "a: &a " + "[" * 10 + "1" + "]" * 10 + "\nb: " + "[" * 10 + "*a" + "]" * 10 + "\n"
    refused(scenario(tmp_path, deep), "case.yaml:2: b: nested too deeply (more than 16 levels")
    refused(scenario(tmp_path, "[" * 5000 + "]" * 5000, "flat.yaml"), "nested too deeply")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("17:04", "expected an integer, got str '17:04'"),
        ("1_024", "expected an integer, got str '1_024'"),
        ("1e3", "expected an integer, got float 1000.0 (write 1000)"),
        ("1024.0", "expected an integer, got float 1024.0 (write 1024)"),
        ("0b10000000000", "expected an integer, got str '0b10000000000'"),
    ],
)
def test_14_15_yaml_1_1_numbers_are_not_integers(tmp_path: Path, value: str, message: str) -> None:
    path = scenario(tmp_path, BASE.replace("input_length: 1024", f"input_length: {value}"))
    refused(path, ":6: deployment.input_length: " + message)


@pytest.mark.parametrize(
    ("line", "field", "expected"),
    [
        ("  input_length: 0x400\n", "input_length", 1024),
        ("  input_length: 0o2000\n", "input_length", 1024),
        ("  input_length: 01024\n", "input_length", 1024),
        ("  tpot_limit_ms: 1e3\n", "tpot_limit_ms", 1000.0),
        ("  reserved_memory_gb: 1e-300\n", "reserved_memory_gb", 1e-300),
        ("  reserved_memory_gb: 1E1\n", "reserved_memory_gb", 10.0),
        ("  compile: true\n", "compile", True),
        ("  compile: False\n", "compile", False),
    ],
)
def test_15_numbers_and_booleans_read_as_written(
    tmp_path: Path, line: str, field: str, expected: object
) -> None:
    text = BASE.replace("  input_length: 1024\n", "") if field == "input_length" else BASE
    text = text.replace("  tpot_limit_ms: 20\n", "") if field == "tpot_limit_ms" else text
    loaded = load_scenario(scenario(tmp_path, text + line)).request
    assert getattr(loaded, field) == expected and type(getattr(loaded, field)) is type(expected)


def test_15_a_huge_reserve_is_read_as_a_number(tmp_path: Path) -> None:
    path = scenario(tmp_path, BASE + "  reserved_memory_gb: 1e300\n")
    assert load_scenario(path).request.reserved_memory_gb == 1e300


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "y", "Yes"])
def test_10_yes_and_no_are_strings(tmp_path: Path, word: str) -> None:
    path = scenario(tmp_path, BASE + f"  compile: {word}\n")
    refused(path, f"deployment.compile: expected true or false, got str '{word}'")


def test_9_a_yes_for_a_count_is_a_string(tmp_path: Path) -> None:
    path = scenario(tmp_path, BASE.replace("num_devices: 1", "num_devices: yes"))
    refused(path, "deployment.num_devices: expected an integer, got str 'yes'")


def test_an_explicit_tag_holds_to_yaml_1_2(tmp_path: Path) -> None:
    path = scenario(tmp_path, BASE.replace("input_length: 1024", "input_length: !!int 17:04"))
    refused(path, "deployment.input_length: not a valid value", "not a YAML 1.2 integer")


def test_dates_are_strings_and_merge_keys_still_refused(tmp_path: Path) -> None:
    dated = BASE.replace(BASE.splitlines()[0], "description: 2024-01-01")
    assert load_scenario(scenario(tmp_path, dated)).description == "2024-01-01"
    merged = BASE.replace("deployment:\n", "deployment:\n  <<: {num_devices: 1}\n")
    refused(scenario(tmp_path, merged, "merge.yaml"), "tag:yaml.org,2002:merge' is not allowed")


# --- only regular files, read no further than the cap -----------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_60_61_a_device_link_and_a_fifo_are_refused_without_reading(tmp_path: Path) -> None:
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo.yaml")
    done = validate(tmp_path / "zero.yaml", tmp_path / "fifo.yaml", timeout=30)
    assert done.returncode == 1 and "0 valid, 2 invalid" in done.stdout
    assert "zero.yaml: not a regular file but a character device (it links to /dev/zero)" in (
        done.stdout
    )
    assert "fifo.yaml: not a regular file but a FIFO (named pipe); only regular files" in (
        done.stdout
    )
    assert "Traceback" not in done.stderr


def test_a_huge_sparse_file_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as file:
        file.truncate(8 * 2**30)
    refused(path, "huge.yaml: 8,589,934,592 bytes; at most 1,000,000")


def test_a_link_to_a_regular_file_still_loads(tmp_path: Path) -> None:
    (tmp_path / "link.yaml").symlink_to(SCENARIOS / "qwen3-0.6b-1x-a2-280t.yaml")
    assert load_scenario(tmp_path / "link.yaml").request.input_length == 1024


# --- model configs typed strictly --------------------------------------------------------------

QWEN3_8B = json.loads((REPO / "simulator" / "model_configs" / "qwen3_8b.json").read_text())
QWEN3_06B = json.loads((REPO / "simulator" / "model_configs" / "qwen3_0_6b.json").read_text())


def model_error(tmp_path: Path, base: dict, capsys, **changes: object) -> str:
    """The one line ``optimize`` prints for a config.json of ``base`` with ``changes``."""
    (tmp_path / "config.json").write_text(json.dumps({**base, **changes}))
    args = ["optimize", str(tmp_path), "--device", "ATLAS_800_A3_752T_128G_DIE"]
    args += ["--num-devices", "8", "--input-length", "1024", "--output-length", "256"]
    assert main([*args, "--tpot-limit", "50", "--search", "exponential"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"tie_word_embeddings": "false"},
            'tie_word_embeddings: expected true or false, got string "false"',
        ),
        ({"tie_word_embeddings": 0}, "tie_word_embeddings: expected true or false, got integer 0"),
        (
            {"num_attention_heads": 16.9},
            "num_attention_heads: expected an integer, got number 16.9",
        ),
        (
            {"num_attention_heads": 16.0},
            "num_attention_heads: expected an integer, got number 16.0",
        ),
        (
            {"num_attention_heads": "16"},
            'num_attention_heads: expected an integer, got string "16"',
        ),
        (
            {"num_attention_heads": True, "num_key_value_heads": True},
            "num_attention_heads: expected an integer, got boolean true",
        ),
        (
            {"num_key_value_heads": 3},
            "num_key_value_heads 3 does not divide num_attention_heads 16 "
            "(allowed: 1, 2, 4, 8, 16)",
        ),
        (
            {"num_key_value_heads": 64},
            "num_key_value_heads 64 does not divide num_attention_heads 16",
        ),
        (
            {"num_hidden_layers": float("nan")},
            "num_hidden_layers: expected an integer, got number NaN",
        ),
        (
            {"num_hidden_layers": float("inf")},
            "num_hidden_layers: expected an integer, got number Infinity",
        ),
        ({"num_hidden_layers": None}, "num_hidden_layers: missing; a JSON integer is required"),
        (
            {"num_attention_heads": -16},
            "num_attention_heads must be between 1 and 16777216, got -16",
        ),
    ],
)
def test_89_to_97_a_model_config_is_read_as_typed(
    tmp_path: Path, capsys, changes: dict, message: str
) -> None:
    assert message in model_error(tmp_path, QWEN3_06B, capsys, **changes)


def test_97_tied_or_not_the_head_is_stored_as_msmodeling_stores_it(tmp_path: Path) -> None:
    """msmodeling builds a tied lm_head apart from the embedding (docs/calibration.md, "A tied
    head"), so a JSON true or false gives Qwen3-8B's 8.807 GiB at TP=1 either way; the string
    "false", which Python would read as true, is refused above instead."""
    from harness import door

    weights = {}
    for tied in (True, False):
        folder = tmp_path / str(tied)
        folder.mkdir()
        (folder / "config.json").write_text(json.dumps({**QWEN3_8B, "tie_word_embeddings": tied}))
        deployment = door.Deployment.create(
            str(folder), device="ATLAS_800_A3_752T_128G_DIE", input_length=1024, output_length=256
        )
        weights[tied] = door.simulator(deployment).probe(1).weights_gib
    assert round(weights[True], 3) == round(weights[False], 3) == 8.807


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_98_a_config_that_is_not_a_regular_file_is_not_read(
    tmp_path: Path, capsys, kind: str
) -> None:
    config = tmp_path / "config.json"
    os.mkfifo(config) if kind == "fifo" else config.symlink_to("/dev/zero")
    args = ["optimize", str(tmp_path), "--input-length", "10", "--output-length", "10"]
    assert main(args) == 2
    assert "config.json: not a regular file; not read" in capsys.readouterr().err


# --- lengths and budgets the simulator can represent ------------------------------------------

HUGE = 2**63


@pytest.mark.parametrize(
    ("field", "line"),
    [("input_length", 6), ("output_length", 7)],
)
def test_17_18_a_length_past_msmodelings_limit_is_refused(
    tmp_path: Path, field: str, line: int
) -> None:
    old = {"input_length": "input_length: 1024", "output_length": "output_length: 256"}[field]
    path = scenario(tmp_path, BASE.replace(old, f"{field}: {HUGE}"))
    refused(path, f":{line}: deployment.{field}: must be <= 100,000,000, got {HUGE}")


def test_38_a_one_token_budget_is_refused_with_the_least_allowed(tmp_path: Path) -> None:
    path = scenario(tmp_path, BASE + "  max_batched_tokens: 1\n")
    refused(
        path,
        ":9: deployment.max_batched_tokens: 1 splits input_length 1024 into 1,024 prefill "
        "chunks; the chunked replay steps through at most 256 (allowed: >= 4)",
    )
    assert load_scenario(scenario(tmp_path, BASE + "  max_batched_tokens: 4\n", "four.yaml"))


def test_a_huge_budget_is_refused_too(tmp_path: Path) -> None:
    path = scenario(tmp_path, BASE + f"  max_batched_tokens: {HUGE}\n")
    refused(path, f":9: deployment.max_batched_tokens: must be <= 100,000,000, got {HUGE}")


@pytest.mark.parametrize(
    "args",
    [
        ["--max-batched-tokens", "1"],
        ["--input-length", str(HUGE)],
        ["--output-length", str(HUGE)],
    ],
)
def test_the_same_bounds_hold_on_the_command_line(args: list[str], capsys) -> None:
    command = ["optimize", "Qwen/Qwen3-0.6B", "--device", "ATLAS_800_A2_280T_64G"]
    command += ["--input-length", "1024", "--output-length", "256", "--tpot-limit", "20"]
    started = time.monotonic()
    assert main([*command, *args, "--search", "exponential"]) == 2
    assert time.monotonic() - started < QUICK
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "prefill chunks" in err or "must be <= 100,000,000" in err


def test_the_knob_table_and_the_simulator_share_msmodelings_bound() -> None:
    from harness.request import OptimizerRequest
    from harness.request.request import LIMIT_COUNT
    from simulator.deployment import MAX_COUNT, Deployment
    from simulator.errors import SimulatorInputError

    assert LIMIT_COUNT == MAX_COUNT == 10**8
    kinds = {k.name: k.kind for k in OptimizerRequest.knobs()}
    for name in ("input_length", "output_length", "max_batched_tokens"):
        assert kinds[name].maximum == LIMIT_COUNT
    for field in ("input_length", "output_length"):
        lengths = {"input_length": 1024, "output_length": 256, field: MAX_COUNT + 1}
        with pytest.raises(SimulatorInputError, match=f"{field}: 100,000,001 is past the largest"):
            Deployment.create("Qwen/Qwen3-0.6B", **lengths)


@pytest.mark.parametrize(
    ("model", "devices", "budget"),
    [
        ("Qwen/Qwen3-0.6B", 1, None),
        ("Qwen/Qwen3-0.6B", 1, 10**8 // 256),
        ("Qwen/Qwen3-30B-A3B", 8, None),
        ("deepseek-ai/DeepSeek-V3", 16, None),
    ],
)
def test_the_simulator_represents_lengths_at_the_bound(model, devices, budget) -> None:
    """At 10**8 tokens in and out, probes and a sweep end with an answer, never an overflow."""
    import warnings

    import numpy as np

    from simulator import Deployment, Simulator

    deployment = Deployment.create(
        model,
        device="ATLAS_800_A3_752T_128G_DIE",
        num_devices=devices,
        input_length=10**8,
        output_length=10**8 if budget is None else 1024,
        max_batched_tokens=budget,
        tpot_limit_ms=50,
    )
    simulator = Simulator(deployment)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for batch in (1, 1000) if budget else (1, 1000, 2**31 - 1):
            assert simulator.probe(batch).feasible is False
        if budget is None:
            assert not simulator.sweep(np.arange(1, 2000)).feasible.any()


# --- validation stays linear --------------------------------------------------------------------


def sizes(count: int) -> str:
    return "[" + ", ".join(str(i) for i in range(1, count + 1)) + "]"


def test_41_a_100000_item_list_stops_the_parse_early(tmp_path: Path, monkeypatch) -> None:
    """The composer refuses at its 10,001st value instead of building all 100,000 (counted,
    not timed, so a loaded machine cannot fail it)."""
    from harness.scenarios.yaml_loader import MAX_VALUES, ScenarioLoader

    path = scenario(tmp_path, BASE + f"  tp_sizes: {sizes(100_000)}\n")
    assert path.stat().st_size > 600_000
    composed = [0]
    compose = ScenarioLoader.compose_node

    def counting(self, parent, index):
        composed[0] += 1
        return compose(self, parent, index)

    monkeypatch.setattr(ScenarioLoader, "compose_node", counting)
    refused(path, "case.yaml:9: deployment.tp_sizes: more than 10,000 values")
    assert MAX_VALUES < composed[0] <= MAX_VALUES + 50


def test_a_list_of_sizes_holds_at_most_num_devices(tmp_path: Path) -> None:
    text = BASE.replace("num_devices: 1", "num_devices: 8") + f"  ep_sizes: {sizes(5000)}\n"
    refused(
        scenario(tmp_path, text),
        ":9: deployment.ep_sizes: 5,000 sizes for num_devices=8; sizes are distinct and from 1 "
        "to num_devices, so at most 8",
    )


def test_long_lists_of_names_are_checked_in_linear_time(tmp_path: Path) -> None:
    keys = ", ".join(f"k{i}" for i in range(4000))
    path = scenario(tmp_path, BASE + f"expect: {{more_probes_allowed_at: [{keys}]}}\n")
    refused(path, "expect.more_probes_allowed_at: 'k0' is not a strategy of this scenario")


def test_51_a_strategy_listed_twice_and_a_search_compared_with_itself(tmp_path: Path) -> None:
    twice = scenario(tmp_path, BASE + "expect: {more_probes_allowed_at: [TP=1, TP=1]}\n")
    refused(twice, ":9: expect.more_probes_allowed_at[1]: TP=1 is listed twice")
    itself = BASE + "expect: {same_probes_as: {two_point: two_point}}\n"
    refused(
        scenario(tmp_path, itself, "itself.yaml"),
        ":9: expect.same_probes_as.two_point: a search always probes as itself",
    )


# --- scenario files stay data -------------------------------------------------------------------

EXAMPLE_PLUGIN = REPO / "tests" / "fixtures" / "example_plugin"
SIDE_EFFECT = "from pathlib import Path\nPath(__file__).with_name('imported').touch()\n"


def project_with(folder: Path, allowed: list[str] | None, scenario_text: str) -> Path:
    """A project whose pyproject.toml declares its scenarios and (maybe) its search modules."""
    config = '[tool.pytest.ini_options]\nsearchbench_scenarios = "scenarios"\n'
    if allowed is not None:
        config += f"\n[tool.searchbench]\nsearches = {json.dumps(allowed)}\n"
    (folder / "pyproject.toml").write_text(config)
    (folder / "scenarios").mkdir()
    return scenario(folder / "scenarios", scenario_text, "ext.yaml")


def run_cli(args: list[str], cwd: Path, path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(path), str(REPO)])}
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def test_49_validate_imports_nothing_a_scenario_names(tmp_path: Path) -> None:
    """`candidates: ["this:d"]` printed the Zen of Python; a module with a side effect shows
    that no named module is imported, allowed or not."""
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "sideeffect.py").write_text(SIDE_EFFECT + "def d(probe, params, context): ...\n")
    project = tmp_path / "project"
    project.mkdir()
    text = BASE + 'searches: {candidates: ["this:d", "sideeffect:d"]}\n'
    path = project_with(project, None, text)
    done = run_cli(["validate", str(path)], project, modules)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Beautiful is better than ugly" not in done.stdout + done.stderr
    line = (
        "scenarios/ext.yaml:9: searches.candidates[0]: 'this:d': scenario files import no code, "
        "and module 'this' is not one the project allows (allowed: none); list it in "
        "[tool.searchbench] searches of pyproject.toml, or install it as a plugin"
    )
    assert line in done.stdout
    path.write_text(BASE + 'searches: {candidates: ["sideeffect:d"]}\n')
    (project / "pyproject.toml").write_text(
        (project / "pyproject.toml").read_text()
        + '\n[tool.searchbench]\nsearches = ["sideeffect"]\n'
    )
    done = run_cli(["validate", str(path)], project, modules)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (modules / "imported").exists()


def test_an_allowed_module_runs_from_a_scenario(tmp_path: Path) -> None:
    text = BASE + 'searches: {candidates: ["my_searches:from_the_top"]}\n'
    text += "expect: {fewer_probes: false, never_more_probes: false}\n"
    project_with(tmp_path, ["my_searches"], text)
    done = run_cli(["run", "--format", "json"], tmp_path, EXAMPLE_PLUGIN)
    assert '"search": "my_searches:from_the_top"' in done.stdout, done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_48_a_wrong_signature_from_an_unlisted_module_is_refused_on_validate(
    tmp_path: Path,
) -> None:
    path = scenario(tmp_path, BASE + 'searches: {baseline: "os:getcwd"}\n')
    refused(path, ":9: searches.baseline: 'os:getcwd': scenario files import no code")


def test_46_an_alias_repeating_a_search_is_refused(tmp_path: Path) -> None:
    path = scenario(tmp_path, BASE + "searches: {candidates: [two_point, linear_exponential]}\n")
    refused(
        path,
        ":9: searches: each search may appear once (two_point and linear_exponential are one)",
    )
    assert load_scenario(
        scenario(tmp_path, BASE + "searches: {candidates: [linear_exponential]}\n", "one.yaml")
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a b:c", "'a b:c': expected a search name or package.module:callable"),
        ("mod:", "'mod:': expected a search name or package.module:callable"),
        ("m\u043ed:f", "'m\\u043ed:f': expected a search name or package.module:callable"),
        ("msmodeling:nope", "msmodeling:nope: msmodeling's searches are msmodeling:exponential"),
        ("nosuch", "unknown search 'nosuch' (registered: exponential"),
    ],
)
def test_a_search_name_is_checked_by_its_shape(tmp_path: Path, name: str, message: str) -> None:
    path = scenario(tmp_path, BASE + f"searches: {{candidates: [{json.dumps(name)}]}}\n")
    text = refused(path, message)
    assert ":9: searches.candidates[0]: " in text


def test_names_allowed_without_importing(monkeypatch) -> None:
    from harness.searches import check_name, external

    monkeypatch.setattr(external, "entry_points", lambda: {"plug": "plug_pkg.searches:fast"})
    assert check_name("plug") is None and check_name("plug_pkg.searches:fast") is None
    assert check_name("pkg.sub.mod:f", ("pkg",)) is None
    assert check_name("msmodeling:linear_exponential") is None
    assert check_name("linear_exponential").name == "two_point"
    for name, modules in (("plug_pkg.searches:slow", ()), ("pkgx:f", ("pkg",))):
        with pytest.raises(SearchbenchError, match="is not one the project allows"):
            check_name(name, modules)


def test_params_of_an_allowed_external_search_wait_for_the_run(tmp_path: Path) -> None:
    # a module no other test imports, so that "not imported" holds in any order, serially too
    module = "searches_that_wait_for_the_run"
    text = BASE + f'searches: {{candidates: ["{module}:from_the_top"], '
    text += f"params: {{{module}:from_the_top: {{anything: 1}}}}}}\n"
    path = project_with(tmp_path, [module], text)
    loaded = load_scenario(path)
    assert loaded.searches.candidates[0].params == {"anything": 1}
    assert module not in sys.modules


def test_a_bad_allow_list_is_one_line_naming_the_file(tmp_path: Path) -> None:
    path = project_with(tmp_path, None, BASE)
    (tmp_path / "pyproject.toml").write_text('[tool.searchbench]\nsearches = "my_searches"\n')
    refused(path, "pyproject.toml: [tool.searchbench] searches: expected a list of module names")


# --- running from anywhere: the layout of a path ------------------------------------------------


def test_79_no_project_is_one_line_when_one_is_required(tmp_path: Path, monkeypatch) -> None:
    from harness.scenarios.layout import NoProjectError, find_layout

    monkeypatch.chdir(tmp_path)
    assert find_layout().found is False
    with pytest.raises(NoProjectError) as info:
        find_layout(required=True)
    text = str(info.value)
    assert "\n" not in text and f"no searchbench project here: neither {tmp_path.resolve()}" in text
    (tmp_path / "scenarios").mkdir()
    assert find_layout(required=True).scenarios == (tmp_path / "scenarios").resolve()


def test_80_a_path_into_another_checkout_uses_that_checkouts_layout(
    tmp_path: Path, monkeypatch
) -> None:
    from harness.scenarios.layout import layout_for

    monkeypatch.chdir(tmp_path)
    mine = layout_for(SCENARIOS / "qwen3-0.6b-1x-a2-280t.yaml")
    assert mine.root == REPO and mine.declared
    assert (mine.baselines / "qwen3-0.6b-1x-a2-280t.json").is_file()
    assert layout_for(SCENARIOS).root == REPO
    clone = tmp_path / "clone"
    (clone / "scenarios" / "moe").mkdir(parents=True)
    assert layout_for(clone / "scenarios" / "moe" / "x.yaml").root == clone.resolve()
    (clone / "pytest.ini").write_text("[pytest]\nsearchbench_baselines = stored\n")
    found = layout_for(clone / "scenarios" / "moe" / "x.yaml")
    assert found.baselines == (clone / "stored").resolve()
    loose = tmp_path / "loose.yaml"
    assert layout_for(loose).found is False and layout_for(loose).root == tmp_path.resolve()


def test_a_searchbench_table_alone_marks_a_project(tmp_path: Path) -> None:
    from harness.scenarios.layout import find_layout

    (tmp_path / "pyproject.toml").write_text('[tool.searchbench]\nsearches = ["mine"]\n')
    (tmp_path / "deep").mkdir()
    layout = find_layout(tmp_path / "deep", required=True)
    assert layout.root == tmp_path.resolve() and layout.search_modules() == ("mine",)


# --- lookalike characters are shown escaped, with the name they imitate ---------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "num_devices: 1",
            "num_dev\u0456ces: 1",
            ":5: deployment.num_dev\\u0456ces: unknown key (did you mean 'num_devices'?; allowed: ",
        ),
        (
            "num_devices: 1",
            "num_devices\u200b: 1",
            ":5: deployment.num_devices\\u200b: unknown key (did you mean 'num_devices'?; ",
        ),
        (
            "Qwen/Qwen3-0.6B",
            "Qwen/Qwen3-0.6\u0412",
            ":3: deployment.model: unknown model 'Qwen/Qwen3-0.6\\u0412' (not bundled, and no "
            "config.json there; did you mean 'Qwen/Qwen3-0.6B'?)",
        ),
        (
            "ATLAS_800_A2_280T_64G",
            "ATLAS_800_A2_280\u0422_64G",
            ":4: deployment.device: 'ATLAS_800_A2_280\\u0422_64G' is not allowed (did you mean "
            "'ATLAS_800_A2_280T_64G'?; allowed: TEST_DEVICE, ",
        ),
        (
            "ATLAS_800_A2_280T_64G",
            "ATLAS_800_A2_280T_64G\u202e",
            "'ATLAS_800_A2_280T_64G\\u202e' is not allowed (did you mean 'ATLAS_800_A2_280T_64G'?",
        ),
        (
            "ATLAS_800_A2_280T_64G",
            "atlas_800_a2_280t_64g",
            "'atlas_800_a2_280t_64g' is not allowed (did you mean 'ATLAS_800_A2_280T_64G'?",
        ),
    ],
)
def test_26_to_29_a_lookalike_is_escaped_with_the_name_it_imitates(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = refused(scenario(tmp_path, BASE.replace(old, new)), message)
    assert text.isascii()


def test_a_lookalike_search_name_is_escaped_too(tmp_path: Path) -> None:
    path = scenario(tmp_path, BASE + "searches: {candidates: [tw\u043e_point]}\n")
    refused(
        path,
        ":9: searches.candidates[0]: unknown search 'tw\\u043e_point' (did you mean 'two_point'?",
    )


def test_a_far_name_gets_no_guess(tmp_path: Path) -> None:
    text = refused(scenario(tmp_path, BASE.replace("num_devices: 1", "colour: 1")), "unknown key")
    assert "did you mean" not in text


# --- scenario ids pytest and a shell can address -------------------------------------------------


@pytest.mark.parametrize(
    ("name", "held"),
    [
        ("x::y", "':'"),
        ("a[1]", "'1'"),
        ("$(touch pwned)", "' ', '$', '(', ')'"),
        ("with space", "' '"),
        ("semi;colon", "';'"),
        ("zero\u200bwidth", "'\\u200b'"),
    ],
)
def test_55_to_57_an_id_outside_the_safe_set_is_refused_with_the_rule(
    tmp_path: Path, name: str, held: str
) -> None:
    path = scenario(tmp_path, BASE, f"{name}.yaml")
    text = refused(path, "holds", "letters, digits, '.', '_', '-' and '/' only", "rename the file")
    if name != "a[1]":
        assert f"holds {held};" in text
    else:
        assert "'['" in text and "']'" in text
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    "name", ["\u00fcn\u00ef-\u540d\u524d", ".hidden", "dots.", "-leading-dash"]
)
def test_59_ids_of_letters_digits_and_dots_still_load(tmp_path: Path, name: str) -> None:
    assert load_scenario(scenario(tmp_path, BASE, f"{name}.yaml")).id == name


def test_an_id_from_discovery_is_checked_the_same_way(tmp_path: Path) -> None:
    path = scenario(tmp_path, BASE)
    assert load_scenario(path, "moe/case").id == "moe/case"
    with pytest.raises(SearchbenchError, match="'moe//case' has an empty or dots-only part"):
        load_scenario(path, "moe//case")
    with pytest.raises(SearchbenchError, match="holds ':'"):
        load_scenario(path, "moe/x::case")


def test_every_bundled_scenario_keeps_its_id() -> None:
    from harness.scenarios import discover

    files = discover([SCENARIOS], SCENARIOS)
    assert len(files) >= 21
    for file in files:
        assert load_scenario(file.path, file.id).id == file.id


def test_shell_quote_makes_a_hint_safe_to_paste(tmp_path: Path) -> None:
    from harness.scenarios import shell_quote

    assert shell_quote("scenarios/qwen3-32b.yaml") == "scenarios/qwen3-32b.yaml"
    hint = f"cd {shell_quote(tmp_path)} && ls {shell_quote('scenarios/$(touch pwned).yaml')}"
    done = subprocess.run(["sh", "-c", hint], capture_output=True, text=True)
    assert not (tmp_path / "pwned").exists()
    assert "$(touch pwned).yaml" in done.stderr
    assert shell_quote(Path("with space.yaml")) == "'with space.yaml'"


# --- descriptions are one safe line --------------------------------------------------------------

ESCAPES = 'description: "\\e[31mRED\\e[0m \\e]0;pwned\\a"'
ROWS = 'description: "line1\\n| fake | table |\\nline3"'


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (ESCAPES, "\\x1b[31mRED\\x1b[0m \\x1b]0;pwned\\x07"),
        (ROWS, "line1\\n\\| fake \\| table \\|\\nline3"),
        ('description: "right-to-left \\u202e, zero-width \\u200b, C1 \\x9b"', None),
        (
            'description: "\\u00fcn\\u00ef \\u540d\\u524d: kept as written"',
            "ünï 名前: kept as written",
        ),
    ],
)
def test_52_53_a_description_is_one_safe_line(tmp_path: Path, line: str, expected) -> None:
    text = BASE.replace(BASE.splitlines()[0], line)
    description = load_scenario(scenario(tmp_path, text)).description
    assert description.isprintable() and "\n" not in description
    assert "|" not in description.replace("\\|", "")
    if expected is not None:
        assert description == expected
    else:
        assert description.endswith("\\u202e, zero-width \\u200b, C1 \\x9b")


def test_52_run_prints_no_escape_and_one_heading_line(tmp_path: Path) -> None:
    text = BASE.replace(BASE.splitlines()[0], ESCAPES.replace('"', '"' + "x | y\\n", 1))
    path = scenario(tmp_path, text)
    done = subprocess.run(
        [sys.executable, "-m", "harness", "run", str(path), "--baselines", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert "\x1b" not in done.stdout + done.stderr and "\x07" not in done.stdout
    headings = [line for line in done.stdout.splitlines() if line.startswith("## ")]
    assert headings == ["## case: x \\| y\\n\\x1b[31mRED\\x1b[0m \\x1b]0;pwned\\x07"], done.stdout


def test_a_known_miss_reason_is_one_safe_line_too(tmp_path: Path) -> None:
    text = BASE + 'expect: {known_misses: {two_point: "misses\\n| row |\\e[2J"}}\n'
    (miss,) = load_scenario(scenario(tmp_path, text)).expect.known_misses
    assert miss.reason == "misses\\n\\| row \\|\\x1b[2J"
