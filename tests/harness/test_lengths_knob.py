"""The input_length knob's length distributions: flag, scenario file (path or inline), refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness import door
from harness.calibration.record import _deployment
from harness.calibration.recorder import _plain
from harness.cli import main
from harness.errors import DeploymentError, HarnessInputError
from harness.request import OptimizerRequest
from harness.request.lengths import INPUT_LENGTH
from harness.scenarios.loader import load_scenario
from harness.scenarios.model import ScenarioError

BINS = """bins:
  - min_tokens: 100
    max_tokens: 700
    weight: 0.5
  - min_tokens: 700
    max_tokens: 2000
    weight: 0.5
"""
EXPECTED = door.lengths([(100, 700, 0.5), (700, 2000, 0.5)])


def scenario(tmp_path: Path, input_length: str, extra: str = "  tpot_limit_ms: 50\n") -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(
        "description: a distribution\ndeployment:\n  model: Qwen/Qwen3-8B\n"
        f"  num_devices: 2\n  input_length: {input_length}\n  output_length: 500\n{extra}"
    )
    return path


def test_a_scenario_names_a_file_relative_to_itself(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "traffic").mkdir()
    (tmp_path / "traffic" / "chat.yaml").write_text(BINS)
    monkeypatch.chdir("/")
    loaded = load_scenario(scenario(tmp_path, "traffic/chat.yaml"))
    assert loaded.request.input_length == EXPECTED


def test_a_scenario_writes_the_bins_inline(tmp_path: Path) -> None:
    inline = (
        "\n    bins:\n      - {min_tokens: 100, max_tokens: 700, weight: 0.5}"
        "\n      - {min_tokens: 700, max_tokens: 2000, weight: 0.5}"
    )
    assert load_scenario(scenario(tmp_path, inline)).request.input_length == EXPECTED


@pytest.mark.parametrize(
    "bins, words",
    [
        ("{bins: [{min_tokens: 0, max_tokens: 10}]}", "bin 0: missing weight"),
        ("{bins: [{min_tokens: 0, max_tokens: 10, weight: 0}]}", "weight must be > 0"),
        (
            "{bins: [{min_tokens: 0, max_tokens: 10, weight: 1}, "
            "{min_tokens: 5, max_tokens: 20, weight: 1}]}",
            "bin 1 (5..20, weight 1.0): overlaps",
        ),
        ("{bins: []}", "at least one bin"),
        ("{bins: [{min_tokens: 0, max_tokens: 1.5, weight: 1}]}", "are integers"),
        ("{bins: [], extra: 1}", "one key, bins"),
        ("missing.yaml", "nor a length-distribution file (no file missing.yaml)"),
    ],
)
def test_a_bad_distribution_is_one_line_naming_the_bin(tmp_path, bins, words) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario(tmp_path, bins))
    message = str(info.value)
    assert "deployment.input_length" in message and words in message
    assert "\n" not in message


def test_the_flag_takes_a_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(BINS)
    args = ["probe", "Qwen/Qwen3-8B", "--num-devices", "2", "--tp", "2", "--phase", "prefill"]
    args += ["--input-length", str(path), "--output-length", "500", "--ttft-limit", "2000"]
    assert main([*args, "--batch-size", "1:4", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["batch_size"] for r in rows] == [1, 2, 3, 4]
    assert rows[0]["ttft_ms"] < rows[3]["ttft_ms"]


@pytest.mark.parametrize(
    "limits",
    [{"tpot_limit_ms": 50.0}, {"tpot_limit_ms": 50.0, "ttft_limit_ms": 2000.0}],
)
def test_disagg_takes_a_distribution_in_prefill_only_runs(limits) -> None:
    with pytest.raises(DeploymentError, match=r"^input_length: .*disagg prefill only"):
        OptimizerRequest(
            model="Qwen/Qwen3-8B", input_length=EXPECTED, output_length=10, disagg=True, **limits
        )
    OptimizerRequest(
        model="Qwen/Qwen3-8B", input_length=EXPECTED, output_length=10, disagg=True,
        ttft_limit_ms=2000.0,
    )  # fmt: skip


def test_pd_ratio_mode_refuses_a_distribution_as_msmodeling_does() -> None:
    """cli/inference/throughput_optimizer.py returns 1 for --input-length FILE with
    --enable-optimize-prefill-decode-ratio."""
    pd = dict(pd_ratio=True, prefill_devices=4, decode_devices=4, num_devices=8)
    with pytest.raises(DeploymentError, match=r"^input_length: .*PD-ratio mode \(pd_ratio\)"):
        OptimizerRequest(
            model="Qwen/Qwen3-8B", input_length=EXPECTED, output_length=10,
            tpot_limit_ms=50.0, ttft_limit_ms=2000.0, **pd,
        )  # fmt: skip
    OptimizerRequest(
        model="Qwen/Qwen3-8B", input_length=1024, output_length=10,
        tpot_limit_ms=50.0, ttft_limit_ms=2000.0, **pd,
    )  # fmt: skip


def test_a_record_keeps_the_distribution_itself() -> None:
    fields = {"input_length": EXPECTED, "output_length": 10}
    stored = json.loads(json.dumps(_plain(fields)))
    assert stored["input_length"] == {"bins": EXPECTED.content()}
    assert _deployment(stored)["input_length"] == EXPECTED


def test_the_kind_refuses_what_is_neither(tmp_path) -> None:
    def fail(message, index=None):
        raise HarnessInputError(message)

    with pytest.raises(HarnessInputError, match="expected an integer"):
        INPUT_LENGTH.parse(1.5, fail)
    assert INPUT_LENGTH.parse(7, fail) == 7


def test_a_baseline_carries_the_distributions_digest(tmp_path: Path) -> None:
    from harness.gates.store import BaselineStore
    from harness.request.lengths import inputs_digest

    edited = door.lengths([(100, 700, 0.5), (700, 2000, 0.6)])
    assert inputs_digest(3500) is None
    assert inputs_digest(EXPECTED) != inputs_digest(edited)
    assert inputs_digest(EXPECTED) == inputs_digest(
        door.lengths([(100, 700, 0.5), (700, 2000, 0.5)])
    )
    store = BaselineStore(tmp_path)
    results = {"TP=1": {"exponential": {"batch_size": 3, "probes": 5}}}
    for write in store.baseline_writes("case", results, inputs_digest(EXPECTED)):
        write.apply()
    assert store.load("case") == results
    assert store.inputs("case") == inputs_digest(EXPECTED)


def test_a_record_run_keeps_msmodelings_batch_range() -> None:
    from harness.calibration.record import _run

    raw = {"name": "TP=2 budget 2380", "deployment": {"input_length": 10}, "batch_range": [1, 48]}
    assert _run(raw).batch_range == (1, 48)
    assert _run({**raw, "batch_range": None}).batch_range is None
