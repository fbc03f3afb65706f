"""The calibration machinery: a drifting record fails with the table, records are read
strictly, the recorder places msmodeling's probes on the request's strategies, and ``calibrate``
works from the command line (and against a real msmodeling checkout when one is configured)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from harness.calibration import RecordError, check_record, drift_table, load_record
from harness.calibration.recorder import RecordingError, record_payload
from harness.calibration.rerecord import optimizer_flags, shown_command, with_model_folder
from harness.cli import main
from harness.request import OptimizerRequest

RECORDS = Path(__file__).parent
UNSEEN = RECORDS / "qwen3-14b-4x-chunked-unseen.json"


def _edited(tmp_path: Path, change) -> Path:
    payload = json.loads(UNSEEN.read_text())
    change(payload)
    path = tmp_path / UNSEEN.name
    path.write_text(json.dumps(payload))
    return path


def test_a_record_that_drifts_fails_with_the_table_worst_first(tmp_path: Path) -> None:
    def slower(payload):
        payload["runs"][0]["probes"][5]["ttft_ms"] *= 1.05  # batch 32, 5% slower

    record = load_record(_edited(tmp_path, slower))
    drifts = check_record(record)
    failing = [d for d in drifts if not d.ok]
    assert [(d.where, d.what) for d in failing] == [("TP=2 batch 32", "ttft_ms")]
    table = drift_table(record, drifts)
    first_row = table.splitlines()[3]
    assert "TP=2 batch 32" in first_row and "ttft_ms" in first_row and "FAIL" in first_row
    assert table.startswith("qwen3-14b-4x-chunked-unseen: 1 of")


def test_a_changed_verdict_is_named_by_diff(tmp_path: Path, capsys) -> None:
    def flipped(payload):
        payload["runs"][0]["probes"][4]["feasible"] = True  # batch 64 fails on TPOT

    path = _edited(tmp_path, flipped)
    assert main(["calibrate", "diff", str(path)]) == 1
    out = capsys.readouterr().out
    assert "TP=2 batch 64: feasible ours False, msmodeling True" in out


def test_the_bundled_records_check_clean_from_the_command_line(capsys) -> None:
    assert main(["calibrate", "check", str(UNSEEN)]) == 0
    assert "0 of 1 records drift past their tolerance" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update(format="something-else"), 'format: expected "searchbench-calibration"'),
        (lambda p: p.update(version=99), "version: expected 1 (a newer searchbench wrote it?)"),
        (lambda p: p.pop("msmodeling"), "record: expected runs, forwards and msmodeling"),
    ],
)
def test_a_bad_record_is_one_line(tmp_path: Path, change, message: str) -> None:
    with pytest.raises(RecordError, match=re.escape(message)):
        load_record(_edited(tmp_path, change))


def _line(batch: int, search: str, feasible: bool, tp: int = 8, phase: str = "agg") -> dict:
    return {
        "kind": "probe",
        "layout": {"tp": tp, "dp": 8 // tp, "ep": 1, "moe_tp": 1, "moe_dp": 1},
        "num_mtp_tokens": 0,
        "phase": phase,
        "search": search,
        "batch": batch,
        "max_batched_tokens": 14000,
        "ttft_ms": 100.0 + batch,
        "tpot_ms": 10.0 + batch,
        "early_stop": not feasible,
        "reason": None,
        "seconds": 0.5,
    }


REQUEST = OptimizerRequest(
    model="Qwen/Qwen3-32B", num_devices=8, input_length=3500, output_length=1500, tpot_limit_ms=50
)


def test_the_recorder_places_probes_on_strategies_and_searches() -> None:
    logs = {
        "exponential": [_line(1, "exponential", True), _line(512, "exponential", False)],
        "linear_exponential": [_line(1, "linear_exponential", True), _line(300, "x", True)],
    }
    payload = record_payload(REQUEST, logs, "cmd", "84fec85", "a test")
    (run,) = payload["runs"]
    assert run["deployment"]["tp"] == 8 and run["deployment"]["max_batched_tokens"] == 14000
    assert run["sequences"] == {"exponential": [1, 512], "two_point": [1, 300]}
    assert [p["batch"] for p in run["probes"]] == [1, 512, 300]
    assert run["boundary"] == 300


def _reported(batch: int | None, search: str, budget: int = 14000) -> dict:
    layout = {"tp": 8, "dp": 1, "ep": 1, "moe_tp": 1, "moe_dp": 1}
    line = {"kind": "reported", "layout": layout, "num_mtp_tokens": 0, "phase": "agg"}
    return {**line, "search": search, "batch": batch, "max_batched_tokens": budget}


def test_the_recorder_keeps_the_row_msmodeling_reported_per_search() -> None:
    logs = {
        "exponential": [_line(1, "exponential", True), _reported(1, "exponential")],
        "linear_exponential": [_line(1, "linear_exponential", True), _reported(None, "x")],
    }
    (run,) = record_payload(REQUEST, logs, "cmd", "84fec85", "a test")["runs"]
    assert run["reported"] == {"exponential": 1, "two_point": None}


def test_a_reported_row_belongs_to_the_budget_it_ran_at() -> None:
    smaller = {**_line(1, "exponential", True), "max_batched_tokens": 7000}
    retried = [_line(1, "exponential", False), smaller]
    logs = {"exponential": [*retried, _reported(1, "exponential", budget=7000)]}
    runs = record_payload(REQUEST, logs, "cmd", "84fec85", "a test")["runs"]
    assert [(r["name"], r["reported"]) for r in runs] == [
        ("TP=8 budget 14000", {"exponential": None}),
        ("TP=8 budget 7000", {"exponential": 1}),
    ]


def test_a_probe_outside_the_request_is_one_line() -> None:
    with pytest.raises(RecordingError, match="which the request's flags do not enumerate"):
        record_payload(REQUEST, {"exponential": [_line(1, "exponential", True, tp=3)]}, "", "", "")


def test_a_record_made_by_the_recorder_can_be_run_again(tmp_path: Path) -> None:
    record = load_record(RECORDS / "qwen3-14b-4x-chunked-unseen.json")
    flags, why = optimizer_flags(record)
    assert why == "" and flags[:3] == ["MODEL_DIR", "--device", "TEST_DEVICE"]
    run_flags = with_model_folder(record, flags, tmp_path)
    config = json.loads((Path(run_flags[0]) / "config.json").read_text())
    assert config["num_hidden_layers"] == 40 and "MODEL_DIR" not in run_flags


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("qwen3-32b-forwards", "holds single forwards, not an optimizer run"),
        ("deepseek-v3-forwards", "holds single forwards, not an optimizer run"),
    ],
)
def test_records_that_cannot_be_run_again_say_why(name: str, reason: str) -> None:
    assert optimizer_flags(load_record(RECORDS / f"{name}.json")) == (None, reason)


def test_a_command_with_placeholders_is_not_run_again(tmp_path: Path) -> None:
    def placeholder(payload):
        payload["msmodeling"]["command"] += " --tp-sizes TP"

    flags, why = optimizer_flags(load_record(_edited(tmp_path, placeholder)))
    assert flags is None and why == "its command has placeholders: TP"


def test_the_recorded_command_names_a_bundled_models_folder_model_dir() -> None:
    flags = ["/somewhere/Qwen3-8B", "--device", "TEST_DEVICE"]
    command = "python -m cli.inference.throughput_optimizer MODEL_DIR --device TEST_DEVICE"
    assert shown_command(flags, "/somewhere/Qwen3-8B", bundled=True) == command
    assert "/somewhere/Qwen3-8B" in shown_command(flags, "/somewhere/Qwen3-8B", bundled=False)


@pytest.mark.skipif(
    not (
        os.environ.get("SEARCHBENCH_MSMODELING") and os.environ.get("SEARCHBENCH_MSMODELING_PYTHON")
    ),
    reason="needs SEARCHBENCH_MSMODELING and SEARCHBENCH_MSMODELING_PYTHON (msmodeling's venv)",
)
def test_record_against_a_real_checkout(tmp_path: Path, capsys) -> None:
    model = tmp_path / "Qwen3-8B"
    model.mkdir(mode=0o755)
    config = Path(__file__).parents[2] / "simulator" / "model_configs" / "qwen3_8b.json"
    shutil.copy(config, model / "config.json")
    (model / "config.json").chmod(0o644)
    out = tmp_path / "record.json"
    flags = [str(model), "--device", "TEST_DEVICE", "--num-devices", "1", "--tp-sizes", "1"]
    flags += ["--input-length", "512", "--output-length", "64", "--tpot-limit", "30", "--jobs", "1"]
    args = ["calibrate", "record", "--msmodeling", os.environ["SEARCHBENCH_MSMODELING"]]
    args += ["--python", os.environ["SEARCHBENCH_MSMODELING_PYTHON"], "-o", str(out), "--", *flags]
    assert main(args) == 0
    record = load_record(out)
    assert record.runs[0].deployment["model"] == "Qwen/Qwen3-8B"
    assert set(record.runs[0].sequences) == {"exponential", "two_point"}
    assert set(record.runs[0].reported) == {"exponential", "two_point"}
    assert record.msmodeling["command"].startswith(
        "python -m cli.inference.throughput_optimizer MODEL_DIR --device TEST_DEVICE"
    )
    assert main(["calibrate", "check", str(out)]) in (0, 1)
    assert "values outside their tolerance" in capsys.readouterr().out
    again = tmp_path / "again"
    args = ["calibrate", "rerecord", "--msmodeling", os.environ["SEARCHBENCH_MSMODELING"], "-o"]
    args += [str(again), "--python", os.environ["SEARCHBENCH_MSMODELING_PYTHON"], str(out)]
    main(args)
    assert "0 skipped" in capsys.readouterr().out
    rerun = load_record(again / "record.json")
    verdicts = [[(p.batch, p.feasible, p.reason) for p in r.probes] for r in rerun.runs]
    assert verdicts == [[(p.batch, p.feasible, p.reason) for p in r.probes] for r in record.runs]
    assert [r.sequences for r in rerun.runs] == [r.sequences for r in record.runs]


def test_a_record_keeps_msmodelings_batch_range_and_checks_searches_inside_it() -> None:
    """msmodeling's --batch-range bounds both searches; a record checked without it would
    compare their sequences against searches over the whole range."""
    from dataclasses import replace

    from harness import door
    from harness.calibration.check import _search
    from harness.calibration.record import _run

    ranged = replace(REQUEST, batch_range=(1, 48))
    logs = {"exponential": [_line(1, "exponential", True), _line(48, "exponential", True)]}
    (raw,) = record_payload(ranged, logs, "cmd", "84fec85", "a test")["runs"]
    run = _run(raw)
    assert run.batch_range == (1, 48)
    deployment = door.deployment(**run.deployment)
    assert max(_search("exponential", deployment, run.batch_range).sequence) <= 48
    assert max(_search("exponential", deployment).sequence) > 48
