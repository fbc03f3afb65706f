"""Scenario loading, the JSON Schema, the template, and the scenario subcommands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from harness.cli import main
from harness.scenarios import ScenarioError, json_schema, load_scenario, render_schema, template
from tests.plugin.helpers import SCENARIOS

GOOD = (SCENARIOS / "qwen3-32b-8x-tpot50-eager.yaml").read_text()


def write(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_for(tmp_path: Path, text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, text))
    return info.value


def test_the_committed_schema_is_the_one_the_loader_derives() -> None:
    assert (SCENARIOS / "schema.json").read_text() == render_schema()


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_bundled_scenario_is_valid_under_the_schema(path: Path) -> None:
    """What an editor checks against schema.json is what the loader accepts."""
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(yaml.safe_load(path.read_text()), json_schema())


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("num_mtp_tokens", "[0, 10]", "must be <= 9"),
        ("mtp_acceptance_rates", "[0.9, 1.5]", "must be <= 1"),
        ("tp_sizes", "[0]", "must be >= 1"),
    ],
)
def test_list_item_bounds_hold_in_the_loader_and_the_schema(
    tmp_path: Path, key: str, value: str, message: str
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    text = GOOD.replace("  tpot_limit_ms:", f"  {key}: {value}\n  tpot_limit_ms:")
    assert message in str(error_for(tmp_path, text))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(text), json_schema())


def _schema_paths(schema: dict, prefix: str = "") -> set[str]:
    out = set()
    for name, child in schema.get("properties", {}).items():
        out.add(prefix + name)
        out |= _schema_paths(child, f"{prefix}{name}.")
    return out


def test_schema_and_loader_accept_the_same_keys(tmp_path: Path) -> None:
    """Every schema property loads; a key the schema does not know is rejected by both."""
    schema = json_schema()
    assert schema["additionalProperties"] is False
    paths = _schema_paths(schema)
    assert {"deployment.tpot_limit_ms", "searches.params", "expect.tolerance"} <= paths
    error = error_for(tmp_path, GOOD.replace("  tpot_limit_ms:", "  colour: red\n  tpot_limit_ms:"))
    assert error.field == "deployment.colour"
    assert "deployment.colour" not in paths


def test_the_template_is_a_valid_scenario(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, template(), "from-template.yaml"))
    assert scenario.id == "from-template"
    # Defaults stay commented out, so the scenario follows a changed default.
    assert scenario.searches.candidates[0].params == {}
    written = [line for line in template().splitlines() if not line.lstrip().startswith("#")]
    assert not any("slo_safety_factor" in line for line in written)


def test_defaults_fill_in(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, GOOD))
    assert scenario.searches.baseline.name == "exponential"
    assert [c.name for c in scenario.searches.candidates] == ["two_point", "certified_secant"]
    assert scenario.expect.tolerance == 0.02
    assert scenario.request.reserved_memory_gb == 10.0


@pytest.mark.parametrize(
    ("change", "line", "field", "message"),
    [
        (("num_devices: 8", "num_devices: 0"), 5, "deployment.num_devices", "must be >= 1, got 0"),
        (("tpot_limit_ms: 50", "tpot_limit_ms: -5"), 8, "deployment.tpot_limit_ms", "must be > 0"),
        (
            ("tpot_limit_ms: 50", "tpot_limit_ms: true"),
            8,
            "deployment.tpot_limit_ms",
            "expected a number",
        ),
        (("W8A8_DYNAMIC", "W3A3"), 9, "deployment.quantize_linear_action", "'W3A3' is not allowed"),
        (("input_length: 3500", "input_length:"), 6, "deployment.input_length", "got nothing"),
    ],
)
def test_field_errors_name_the_line(tmp_path, change, line, field, message) -> None:
    error = error_for(tmp_path, GOOD.replace(*change))
    assert (error.line, error.field) == (line, field)
    assert message in str(error)
    assert str(error).startswith(f"{tmp_path / 'case.yaml'}:{line}: {field}: ")


def test_missing_required_field(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD.replace("  input_length: 3500\n", ""))
    assert error.field == "deployment.input_length" and "required" in str(error)


def test_duplicate_keys_are_rejected(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD + "description: twice\n")
    assert error.field == "description" and "duplicate key" in str(error)


def test_tp_sizes_that_do_not_divide(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD + "  tp_sizes: [3]\n")
    assert error.field == "deployment.tp_sizes"
    assert "no valid parallel combination of TP [3]" in str(error)
    assert "must divide num_devices=8 (allowed: 1, 2, 4, 8)" in str(error)


def test_unknown_search_and_bad_params(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD + "searches:\n  candidates: [magic]\n")
    assert error.field == "searches.candidates[0]" and "registered: exponential" in str(error)
    error = error_for(
        tmp_path, GOOD + "searches:\n  params:\n    two_point: {slo_safety_factor: 0}\n"
    )
    assert error.field == "searches.params.two_point" and "must be > 0" in str(error)


def test_batch_range_must_be_ordered(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD + "  batch_range: [9, 3]\n")
    assert error.field == "deployment.batch_range"


def test_yaml_that_would_run_code_is_refused(tmp_path: Path) -> None:
    error = error_for(tmp_path, "deployment: !!python/object/apply:os.system ['touch pwned']\n")
    assert "is not allowed: scenario files hold plain data only" in str(error)
    assert not Path("pwned").exists()


def test_validate_reports_every_file(tmp_path: Path, capsys) -> None:
    write(tmp_path, GOOD, "good.yaml")
    write(tmp_path, GOOD.replace("TEST_DEVICE", "H100"), "bad.yaml")
    assert main(["validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"ok      {tmp_path / 'good.yaml'}" in out
    assert "bad.yaml:4: deployment.device: 'H100' is not allowed" in out
    assert "1 valid, 1 invalid" in out


def test_validate_the_bundled_library(capsys) -> None:
    count = len(list(SCENARIOS.glob("*.yaml")))
    assert main(["validate", str(SCENARIOS)]) == 0
    assert f"{count} valid, 0 invalid" in capsys.readouterr().out


def test_new_scenario_writes_a_template_once(tmp_path: Path, capsys) -> None:
    target = tmp_path / "mine.yaml"
    assert main(["new-scenario", str(target)]) == 0
    assert load_scenario(target).request.model == "Qwen/Qwen3-32B"
    assert main(["new-scenario", str(target)]) == 2


def test_run_checks_the_library_and_prints_json(tmp_path: Path, capsys) -> None:
    scenario = write(tmp_path, GOOD, "qwen3-32b-8x-tpot50-eager.yaml")
    baselines = Path(__file__).resolve().parents[2] / "baselines" / "search"
    assert main(["run", str(scenario), "--baselines", str(baselines), "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    rows = payload["rows"]
    assert {tuple(sorted(r)) for r in rows} == {tuple(sorted(rows[0]))}
    row = next(r for r in rows if r["strategy"] == "TP=8" and r["search"] == "two_point")
    assert (row["batch_size"], row["probes"], row["oracle_batch_size"]) == (124, 9, 124)
    assert {"scenario", "strategy", "label", "tp", "ep", "dp", "moe_dp", "search"} <= set(row)
    assert row["label"] == "TP=8 | PP=1 | DP=1"
    checks = payload["checks"]
    assert {c["item"] for c in checks} >= {"answers[TP=8]", "probes", "regression"}
    assert all(c["passed"] and c["scenario"] == "qwen3-32b-8x-tpot50-eager" for c in checks)


def test_run_exits_1_on_a_failed_expectation(tmp_path: Path, capsys) -> None:
    scenario = write(tmp_path, GOOD, "fresh-scenario.yaml")
    assert main(["run", str(scenario), "--baselines", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "FAILED fresh-scenario::regression: fresh-scenario: no stored baseline" in out


def test_run_keeps_going_past_a_bad_file(tmp_path: Path, capsys) -> None:
    write(tmp_path, "deployment: [\n", "broken.yaml")
    write(tmp_path, GOOD, "qwen3-32b-8x-tpot50-eager.yaml")
    baselines = Path(__file__).resolve().parents[2] / "baselines" / "search"
    assert main(["run", str(tmp_path), "--baselines", str(baselines)]) == 1
    captured = capsys.readouterr()
    assert "| qwen3-32b-8x-tpot50-eager |" in captured.out
    assert "broken.yaml:2: invalid YAML" in captured.err


def test_ep_sizes_on_a_dense_model_are_refused(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD + "  ep_sizes: [1, 2]\n")
    assert error.field == "deployment.ep_sizes"
    assert "Qwen/Qwen3-32B is dense" in str(error) and "TP=8 2 times" in str(error)
