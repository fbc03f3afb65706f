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


@pytest.fixture(scope="module")
def projections() -> dict:
    """Projected when a test asks, not at import: every collection would pay the replays."""
    return {p.record.name: p for p in seconds_projections(FOLDER)}


def test_the_records_cover_every_class_the_issue_names() -> None:
    assert len(RECORDS) >= 8
    assert {record.model_class for record in RECORDS} >= CLASSES


@pytest.mark.parametrize("record", RECORDS, ids=[r.name for r in RECORDS])
def test_the_projection_lands_near_msmodelings_seconds(
    record: SecondsRecord, projections: dict
) -> None:
    projection = projections[record.name]
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


MISSION = ("c9_mission_exp_j1", "c9_mission_lin_j1")
"""The write-up's scenario: Qwen3-32B, 8 TEST_DEVICEs, 3500/1500, TPOT 50, compiled, W8A8."""


def test_the_missions_seconds_per_tp_beside_msmodelings(projections: dict) -> None:
    """Each TP's task within 35% of msmodeling's, with msmodeling's own probe counts; and the
    write-up's finding: linear_exponential's 11 fewer probes save almost no seconds, in
    msmodeling and in the projection alike (the batch-1 and batch-512 probes that compile the
    first shapes are most of a task, and both searches make them)."""
    exponential, two_point = (projections[name] for name in MISSION)
    for projection in (exponential, two_point):
        assert [t.strategy for t in projection.tasks] == ["TP=1", "TP=2", "TP=4", "TP=8"]
        for task in projection.tasks:
            assert task.probes == task.measured_probes
            assert abs(task.projected_s / task.measured_s - 1) <= EXPENSIVE_PROBE_TOLERANCE
    assert [t.probes for t in exponential.tasks] == [11, 11, 11, 11]
    assert [t.probes for t in two_point.tasks] == [6, 8, 9, 10]
    measured_saving = 1 - two_point.record.wall_s / exponential.record.wall_s
    projected_saving = 1 - two_point.whole_run_s / exponential.whole_run_s
    assert abs(measured_saving) < 0.05 and abs(projected_saving) < 0.05


def test_docs_seconds_holds_the_commands_table(capsys) -> None:
    main(["calibrate", "seconds", str(FOLDER)])
    table = capsys.readouterr().out.strip()
    docs = (Path(__file__).parents[2] / "docs" / "seconds.md").read_text()
    begin, end = "<!-- seconds table: begin -->\n", "\n<!-- seconds table: end -->"
    assert docs[docs.index(begin) + len(begin) : docs.index(end)] == table
