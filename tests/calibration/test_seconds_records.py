"""The time model against msmodeling's clock: every timed run in tests/calibration/seconds,
projected as ``searchbench calibrate seconds`` projects it, lands within issue 23's bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.calibration.seconds import (
    EXPENSIVE_PROBE_TOLERANCE,
    WHOLE_RUN_TOLERANCE,
    SecondsRecord,
    load_folder,
)
from harness.cli import main
from harness.cli.calibrate import seconds_projections
from harness.errors import HarnessInputError

FOLDER = Path(__file__).parent / "seconds"
RECORDS = load_folder(FOLDER)
PROJECTIONS = {p.record.name: p for p in seconds_projections(FOLDER)}
CLASSES = {
    "dense_eager",
    "dense_compiled",
    "chunked_compiled",
    "moe_eager",
    "moe_compiled",
    "deepseek_eager_mtp",
    "disagg_prefill",
    "disagg_decode",
}


def test_the_records_cover_every_class_the_issue_names() -> None:
    assert len(RECORDS) >= 8
    assert {record.model_class for record in RECORDS} >= CLASSES


@pytest.mark.parametrize("record", RECORDS, ids=[r.name for r in RECORDS])
def test_the_projection_lands_near_msmodelings_seconds(record: SecondsRecord) -> None:
    projection = PROJECTIONS[record.name]
    assert abs(projection.ratio - 1) <= WHOLE_RUN_TOLERANCE, (
        f"{record.name}: projected {projection.whole_run_s:.1f} s, measured {record.wall_s:.1f} s"
    )
    for probe in projection.expensive_probes:
        assert probe.projected_s is not None, f"{record.name}: batch {probe.batch} never probed"
        assert abs(probe.ratio - 1) <= EXPENSIVE_PROBE_TOLERANCE, (
            f"{record.name} {probe.task} batch {probe.batch}: projected "
            f"{probe.projected_s:.1f} s, measured {probe.measured_s:.1f} s"
        )


def test_a_record_that_is_not_one_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    path.write_text('{"format": "searchbench-run", "version": 1}')
    with pytest.raises(HarnessInputError, match=r"run\.json: not a seconds record"):
        SecondsRecord.load(path)


def test_the_command_prints_the_table_and_its_verdict(capsys) -> None:
    assert main(["calibrate", "seconds", str(FOLDER)]) == 0
    out = capsys.readouterr().out
    assert f"{len(RECORDS)} of {len(RECORDS)} timed runs hold" in out
    assert all(f"| {record.name} |" in out for record in RECORDS)
