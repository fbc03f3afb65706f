"""The command line: output formats and one clear error line, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from harness.cli import main
from harness.cli.probe import parse_batch_spec
from harness.errors import HarnessInputError

OPTIMIZE = [
    "optimize",
    "Qwen/Qwen3-32B",
    "--num-devices",
    "8",
    "--input-length",
    "3500",
    "--output-length",
    "1500",
    "--tpot-limit",
    "50",
]
PROBE = [
    "probe",
    "Qwen/Qwen3-32B",
    "--num-devices",
    "8",
    "--tp",
    "8",
    "--input-length",
    "3500",
    "--output-length",
    "1500",
    "--tpot-limit",
    "50",
]


def run_cli(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--search", "nope"], "unknown search 'nope' (registered: exponential, two_point"),
        (["--slo-safety-factor", "0"], "--slo-safety-factor: must be > 0"),
        (["--slo-safety-factor", "-1.5"], "--slo-safety-factor: must be > 0"),
        (
            ["--tp-sizes", "3"],
            "no valid parallel combination of TP [3]: TP, EP and EP x MoE-DP must divide "
            "num_devices=8 (allowed: 1, 2, 4, 8)",
        ),
        (
            ["--batch-range", "9", "3"],
            "--batch-range: expected [min, max], 1 <= min <= max, got [9, 3]",
        ),
        (["--device", "H100"], "--device: 'H100' is not allowed (allowed: TEST_DEVICE,"),
    ],
)
def test_bad_optimize_input_is_one_clear_error(args: list[str], message: str) -> None:
    done = run_cli([*OPTIMIZE, *args])
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_optimize_json_has_rows_and_best(capsys) -> None:
    assert main([*OPTIMIZE, "--tp-sizes", "8", "4", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    rows = payload["rows"]
    assert {r["search"] for r in rows} == {"exponential", "two_point", "exhaustive"}
    row = next(r for r in rows if r["search"] == "exponential" and r["tp"] == 8)
    assert row["probe_sequence"] == [1, 512, 256, 128, 64, 96, 112, 120, 124, 126, 125]
    assert (row["batch_size"], row["concurrency"], row["probes"]) == (124, 124, 11)
    assert payload["best"]["agg"]["strategy"] == "TP=4"
    assert payload["best"]["agg"]["label"] == "TP=4 | PP=1 | DP=2"


def test_optimize_table_shows_verdicts(capsys) -> None:
    assert main([*OPTIMIZE, "--search", "exponential", "--search", "two_point"]) == 0
    out = capsys.readouterr().out
    assert "two_point vs exponential: same answer on 4/4; probes 29 vs 44 (15 saved, 34.1%)" in out
    assert "TP=8 \\| PP=1 \\| DP=1" in out


def test_safety_factor_reaches_two_point(capsys) -> None:
    args = [
        *OPTIMIZE,
        "--compile",
        "--tp-sizes",
        "8",
        "--search",
        "exponential",
        "--search",
        "two_point",
        "--slo-safety-factor",
        "1.0",
        "--format",
        "json",
    ]
    assert main(args) == 0
    rows = {r["search"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert rows["two_point"]["batch_size"] < rows["exponential"]["batch_size"]


def test_optimize_csv(capsys) -> None:
    assert main([*OPTIMIZE, "--tp-sizes", "1", "--format", "csv"]) == 0
    header, *lines = capsys.readouterr().out.splitlines()
    assert header.startswith("strategy,label,tp,dp,ep,moe_dp,mtp,phase,search,batch_size")
    assert len(lines) == 3


def test_disagg_runs_both_phases(capsys) -> None:
    args = [
        *OPTIMIZE,
        "--ttft-limit",
        "3000",
        "--disagg",
        "--tp-sizes",
        "4",
        "--format",
        "json",
        "--search",
        "exponential",
    ]
    assert main(args) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["phase"] for r in rows] == ["prefill", "decode"]
    assert all(r["batch_size"] for r in rows)


def test_probe_json_fields(capsys) -> None:
    assert main([*PROBE, "--batch-size", "124:125", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["batch_size"] for r in rows] == [124, 125]
    assert list(rows[0]) == [
        "batch_size",
        "ttft_ms",
        "tpot_ms",
        "decode_ms",
        "prefill_wave_ms",
        "tokens_per_s",
        "tokens_per_s_per_device",
        "weights_gib",
        "kv_cache_gib",
        "activation_gib",
        "available_gib",
        "per_request_gib",
        "feasible",
        "reason",
    ]
    assert rows[0]["feasible"] and rows[1]["reason"] == "tpot_limit"


def test_probe_reports_oom_with_null_latency(capsys) -> None:
    assert main([*PROBE, "--batch-size", "376", "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["reason"] == "decode_oom" and row["feasible"] is False


def test_probe_bad_batch_spec() -> None:
    done = run_cli([*PROBE, "--batch-size", "0"])
    assert done.returncode == 2 and "batch_size: must be >= 1" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("spec", "expected"), [("5", [5]), ("1,8,64", [1, 8, 64]), ("3:6", [3, 4, 5, 6])]
)
def test_batch_specs(spec: str, expected: list[int]) -> None:
    assert parse_batch_spec(spec) == expected


@pytest.mark.parametrize("spec", ["a", "6:3", "1:x"])
def test_bad_batch_specs(spec: str) -> None:
    with pytest.raises(HarnessInputError, match="--batch-size"):
        parse_batch_spec(spec)
