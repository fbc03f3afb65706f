"""Calibration as data: msmodeling's runs recorded as files, and the simulator checked against
every record (``record.py`` the format, ``check.py`` the comparison, ``recorder.py`` the
recording of a user's own msmodeling checkout)."""

from harness.calibration.check import Drift, check_record, drift_table
from harness.calibration.record import Record, RecordError, load_record, record_paths

__all__ = [
    "Drift",
    "Record",
    "RecordError",
    "check_record",
    "drift_table",
    "load_record",
    "record_paths",
]
