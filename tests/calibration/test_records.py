"""Every calibration record against the simulator: one item per record, failing with the table
of drifts, ours against msmodeling's, worst first."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.calibration import check_record, drift_table, load_record, record_paths

RECORDS = Path(__file__).parent


@pytest.mark.parametrize("path", record_paths(RECORDS), ids=lambda p: p.stem)
def test_the_simulator_matches_the_record(path: Path) -> None:
    record = load_record(path)
    drifts = check_record(record)
    assert drifts, "a record with nothing to check"
    assert all(d.ok for d in drifts), "\n" + drift_table(record, drifts)
