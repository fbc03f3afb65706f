"""The history folder: one run report per commit, ``<full commit id>.json``.

Each file is the run report ``searchbench run --format json`` wrote, at the current version,
with a ``commit`` object added (id, date, subject), so ``searchbench compare`` reads it as it
is. It is laid out for git: one row or check per line, so the diff between two commits' files
is the rows that changed. Files are written atomically; recording a commit again replaces its
file. A report of another format, or of a version this searchbench does not read, is refused
with one line, as ``compare`` refuses it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from harness.errors import SearchbenchError
from harness.gates.store import write_atomic
from harness.history.commits import FULL_ID, Commit, utc_date
from harness.reporting.report_rows import checked_rows
from harness.reporting.run_report import read_run_report
from harness.scenarios import display_path

SUFFIX = ".json"
GATE_FIELDS = (
    ("scenario", str, "a scenario id"),
    ("item", str, "an item name"),
    ("passed", bool, "true or false"),
    ("message", str, "a text (optional)"),
)
RECORD_ONE = "record one with searchbench history record REPORT --commit SHA"


@dataclass(frozen=True)
class Gate:
    """One gate's verdict in a recorded run."""

    scenario: str
    item: str
    passed: bool
    message: str = ""


@dataclass(frozen=True)
class Entry:
    """One commit's run: its rows as ``compare`` reads them, and its gates."""

    commit: Commit
    rows: tuple[dict[str, object], ...]
    gates: tuple[Gate, ...]
    path: Path


@dataclass(frozen=True)
class History:
    """A history folder's entries, oldest commit first (by commit date)."""

    folder: Path
    entries: tuple[Entry, ...]

    @property
    def commits(self) -> tuple[Commit, ...]:
        return tuple(entry.commit for entry in self.entries)

    def newest(self, count: int) -> History:
        return History(self.folder, self.entries[-count:])

    def index(self, ref: str, flag: str) -> int:
        """The position of the one commit whose id starts with ``ref``."""
        ref = ref.strip().lower()
        found = [i for i, c in enumerate(self.commits) if len(ref) >= 4 and c.sha.startswith(ref)]
        if len(found) == 1:
            return found[0]
        what = "more than one commit" if found else "no commit"
        raise SearchbenchError(
            f"{flag}: {what} in {display_path(self.folder)} starts with {ref!r} "
            f"({len(self.entries)} commits, newest {self.commits[-1].short})"
        )


def record(report: Path, commit: Commit, folder: Path) -> Path:
    """Add ``report`` (a run report) to the history ``folder`` as ``commit``'s entry."""
    payload = read_run_report(report)
    checked_rows(Path(display_path(report)), payload["rows"])
    checks = payload.get("checks", [])
    _gates(report, checks)
    stored = {
        "format": payload["format"],
        "version": payload["version"],
        "command": payload.get("command"),
        "commit": commit.to_dict(),
        "rows": payload["rows"],
        "checks": checks,
    }
    path = folder / f"{commit.sha}{SUFFIX}"
    try:
        write_atomic(path, layout(stored))
    except OSError as error:
        raise SearchbenchError(f"{display_path(path)}: cannot write ({error.strerror})") from None
    return path


def layout(payload: dict[str, object]) -> str:
    """JSON with one list item per line: small, stable diffs between two commits' files."""
    lines = []
    for key, value in payload.items():
        if isinstance(value, list) and value:
            items = ",\n".join(f"    {_compact(item)}" for item in value)
            lines.append(f"  {json.dumps(key)}: [\n{items}\n  ]")
        else:
            lines.append(f"  {json.dumps(key)}: {_compact(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def read_history(folder: Path) -> History:
    """Every entry of a history folder, each file checked as ``compare`` checks a report."""
    folder = Path(folder)
    paths = sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []
    if not paths:
        raise SearchbenchError(f"{display_path(folder)}: no history here ({RECORD_ONE})")
    entries = [read_entry(path) for path in paths]
    entries.sort(key=lambda entry: (entry.commit.date, entry.commit.sha))
    return History(folder, tuple(entries))


def read_entry(path: Path) -> Entry:
    shown = Path(display_path(path))
    payload = read_run_report(shown)
    commit = _commit(shown, payload.get("commit"))
    if commit.sha != path.name.removesuffix(SUFFIX):
        raise SearchbenchError(f"{shown}: commit.sha: {commit.sha} is not the file's name")
    rows = checked_rows(shown, payload["rows"])
    return Entry(commit, tuple(rows), _gates(shown, payload.get("checks", [])), path)


def _commit(path: Path, value: object) -> Commit:
    if not isinstance(value, dict):
        raise SearchbenchError(
            f"{path}: commit: expected an object with sha, date and subject "
            f"(not a history entry; {RECORD_ONE})"
        )
    sha, subject = value.get("sha"), value.get("subject", "")
    if not isinstance(sha, str) or not FULL_ID.fullmatch(sha):
        raise SearchbenchError(f"{path}: commit.sha: expected a full commit id, got {sha!r}")
    if not isinstance(subject, str):
        raise SearchbenchError(f"{path}: commit.subject: expected a line of text, got {subject!r}")
    return Commit(sha, utc_date(value.get("date"), f"{path}: commit.date"), subject)


def _gates(path: Path, checks: object) -> tuple[Gate, ...]:
    if not isinstance(checks, list):
        raise SearchbenchError(f"{path}: checks: expected a list of objects")
    gates = []
    for index, check in enumerate(checks):
        where = f"{path}: checks[{index}]"
        if not isinstance(check, dict):
            raise SearchbenchError(f"{where}: expected an object")
        for field, kind, expected in GATE_FIELDS:
            value = check.get(field, "" if field == "message" else None)
            if not isinstance(value, kind):
                raise SearchbenchError(f"{where}.{field}: expected {expected}, got {value!r}")
        message = check.get("message", "")
        gates.append(Gate(check["scenario"], check["item"], check["passed"], message))
    return tuple(gates)
