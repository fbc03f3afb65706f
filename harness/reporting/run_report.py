"""The run report: what ``searchbench run --format json`` writes and ``searchbench compare``
reads, versioned as asv versions its results::

    {"format": "searchbench-run", "version": 1, "command": "searchbench run",
     "rows": [...], "checks": [...]}

Reports from before the version existed (an object with ``rows``, or a bare list of rows) are
version 0 and are migrated when read. A file of another kind, or of a newer version, is
refused with one line naming it."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from harness.errors import SearchbenchError
from harness.files import read_regular_text
from harness.gates import Check
from harness.reporting.rows import ResultRow

REPORT_FORMAT = "searchbench-run"
REPORT_VERSION = 1
MADE_BY = "searchbench run"
WRITE_ONE = "write one with searchbench run --format json"
MOST_BYTES = 256 * 2**20
"""A run over every bundled scenario writes under 1 MiB."""

Payload = dict[str, object]


def run_report(
    rows: Sequence[ResultRow], checks: Sequence[Check], totals: Sequence[Payload] = ()
) -> Payload:
    """The report of one ``searchbench run``, at the current version. ``totals``: per scenario
    and search, a whole msmodeling run's projected seconds."""
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "command": MADE_BY,
        "rows": list(rows),
        "totals": list(totals),
        "checks": [check_record(check) for check in checks],
    }


def check_record(check: Check) -> dict[str, object]:
    return {
        "scenario": check.scenario,
        "item": check.name,
        "passed": check.passed,
        "message": check.render(),
    }


def _from_version_0(payload: object) -> Payload:
    rows = payload.get("rows") if isinstance(payload, dict) else payload
    checks = payload.get("checks", []) if isinstance(payload, dict) else []
    return {
        "format": REPORT_FORMAT,
        "version": 1,
        "command": MADE_BY,
        "rows": rows,
        "checks": checks,
    }


MIGRATIONS: dict[int, Callable[[object], Payload]] = {0: _from_version_0}
"""Version N's payload to version N + 1's."""


def read_run_report(path: Path) -> Payload:
    """A run report at the current version, migrated from an older one if need be."""
    try:
        payload: object = json.loads(_read_capped(Path(path)))
    except RecursionError:
        raise SearchbenchError(f"{path}: not a run report (JSON nested too deeply)") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise SearchbenchError(f"{path}: not a searchbench run report ({error})") from None
    version = _version(path, payload)
    while version < REPORT_VERSION:
        payload = MIGRATIONS[version](payload)
        version += 1
    assert isinstance(payload, dict)
    rows = payload.get("rows")
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise SearchbenchError(
            f"{path}: not a searchbench run report (rows: expected a list of objects; {WRITE_ONE})"
        )
    return payload


def _read_capped(path: Path) -> str:
    return read_regular_text(path, MOST_BYTES)


def _version(path: Path, payload: object) -> int:
    if isinstance(payload, list) or (isinstance(payload, dict) and "format" not in payload):
        return 0
    if not isinstance(payload, dict):
        kind = type(payload).__name__
        raise SearchbenchError(f"{path}: not a searchbench run report (a JSON {kind}; {WRITE_ONE})")
    if payload["format"] != REPORT_FORMAT:
        raise SearchbenchError(
            f"{path}: not a searchbench run report (format {payload['format']!r}, "
            f"expected {REPORT_FORMAT!r}; {WRITE_ONE})"
        )
    version = payload.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise SearchbenchError(f"{path}: version: expected a whole number, got {version!r}")
    if version > REPORT_VERSION:
        raise SearchbenchError(
            f"{path}: run report version {version} is newer than this searchbench reads "
            f"(up to {REPORT_VERSION}); upgrade searchbench"
        )
    return version
