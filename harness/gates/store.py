"""Stored answers and probe counts, one JSON file per scenario under ``baselines/search/``.

The format is versioned (``"format": 2``; files without the key are version 1, the same
layout). Writes are atomic (a temporary file renamed over the old one, mode 0644, leftovers of
an interrupted write removed at the next one). A mismatch leaves ``<id>.obtained.json`` beside
the baseline, as pytest-regressions does, so the two can be diffed.

Gates never write: they return ``PendingWrite`` values, which the session applies with
``flush`` once every gate has judged (as syrupy does with snapshots).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from harness.errors import SearchbenchError
from harness.scenarios import display_path

FORMAT_VERSION = 2
OBTAINED_SUFFIX = ".obtained.json"
FIELDS = ("batch_size", "probes")
FILE_MODE = 0o644

Stored = dict[str, dict[str, dict[str, int | None]]]


class BaselineError(SearchbenchError):
    """A stored baseline that cannot be read; the message names the file and what is wrong."""


@dataclass(frozen=True)
class PendingWrite:
    """A change to one file, applied at the end of the session: ``text`` replaces the file
    atomically, ``None`` removes it."""

    path: Path
    text: str | None = None

    def apply(self) -> None:
        if self.text is None:
            self.path.unlink(missing_ok=True)
        else:
            write_atomic(self.path, self.text)


def flush(writes: Iterable[PendingWrite]) -> list[str]:
    """Apply the writes in order; one line per write that failed, naming its file."""
    problems = []
    for write in writes:
        try:
            write.apply()
        except OSError as error:
            verb = "remove" if write.text is None else "write"
            problems.append(f"{display_path(write.path)}: cannot {verb}: {error.strerror or error}")
    return problems


def natural_key(text: str) -> tuple[object, ...]:
    """``TP=4`` before ``TP=16``: digits compare as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


class BaselineStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, scenario_id: str) -> Path:
        return self.directory / f"{scenario_id}.json"

    def obtained_path(self, scenario_id: str) -> Path:
        return self.directory / f"{scenario_id}{OBTAINED_SUFFIX}"

    def load(self, scenario_id: str) -> Stored | None:
        """The stored results, or None when there is no baseline file."""
        path = self.path(scenario_id)
        try:
            text = path.read_text()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            raise BaselineError(f"{path}: cannot read: {error}") from None
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as error:
            raise BaselineError(f"{path}: not JSON ({error})") from None
        return _validated(path, payload)

    def baseline_writes(self, scenario_id: str, results: Stored) -> tuple[PendingWrite, ...]:
        """Store ``results`` as the baseline, and drop a stale ``.obtained`` file."""
        return (
            PendingWrite(self.path(scenario_id), render(scenario_id, results)),
            *self.obtained_removal(scenario_id),
        )

    def obtained_writes(self, scenario_id: str, results: Stored) -> tuple[PendingWrite, ...]:
        """Leave ``results`` beside the baseline they differ from."""
        return (PendingWrite(self.obtained_path(scenario_id), render(scenario_id, results)),)

    def obtained_removal(self, scenario_id: str) -> tuple[PendingWrite, ...]:
        return (PendingWrite(self.obtained_path(scenario_id)),)

    def write(self, scenario_id: str, results: Stored) -> Path:
        """Store the baseline now (outside a session: ``searchbench fuzz --save``)."""
        for write in self.baseline_writes(scenario_id, results):
            write.apply()
        return self.path(scenario_id)

    def write_obtained(self, scenario_id: str, results: Stored) -> Path:
        for write in self.obtained_writes(scenario_id, results):
            write.apply()
        return self.obtained_path(scenario_id)

    def discard_obtained(self, scenario_id: str) -> None:
        for write in self.obtained_removal(scenario_id):
            write.apply()

    def orphans(self, scenario_ids: set[str]) -> list[Path]:
        """Stored baselines whose scenario file no longer exists."""
        if not self.directory.is_dir():
            return []
        out = []
        for path in sorted(self.directory.rglob("*.json")):
            if path.name.endswith(OBTAINED_SUFFIX):
                continue
            scenario_id = path.relative_to(self.directory).with_suffix("").as_posix()
            if scenario_id not in scenario_ids:
                out.append(path)
        return out


def render(scenario_id: str, results: Stored) -> str:
    ordered = {
        key: {search: dict(sorted(values.items())) for search, values in sorted(by.items())}
        for key, by in sorted(results.items(), key=lambda item: natural_key(item[0]))
    }
    payload = {"format": FORMAT_VERSION, "scenario": scenario_id, "results": ordered}
    return json.dumps(payload, indent=2) + "\n"


def _validated(path: Path, payload: object) -> Stored:
    def fail(where: str, expected: str, got: object) -> BaselineError:
        return BaselineError(f"{path}: {where}: expected {expected}, got {got!r}")

    if not isinstance(payload, dict) or not isinstance(payload.get("results"), dict):
        raise fail("top level", 'an object with a "results" object', payload)
    version = payload.get("format", 1)
    if version not in (1, FORMAT_VERSION):
        raise fail("format", f"1 or {FORMAT_VERSION} (a newer searchbench wrote it?)", version)
    for key, searches in payload["results"].items():
        if not isinstance(searches, dict):
            raise fail(f"results.{key}", "an object of searches", searches)
        for search, values in searches.items():
            if not isinstance(values, dict):
                raise fail(f"results.{key}.{search}", "an object", values)
            for field, value in values.items():
                if field not in FIELDS:
                    raise fail(f"results.{key}.{search}.{field}", " or ".join(FIELDS), field)
                if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                    raise fail(f"results.{key}.{search}.{field}", "an integer or null", value)
    return payload["results"]


def write_atomic(path: Path, text: str) -> None:
    """Write beside the target, then rename over it: readers see the old or the new file whole.

    The file gets mode 0644 whatever the umask of the temporary file's creator, and temporary
    files left by an earlier, interrupted write of the same target are removed first.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}."
    for stale in path.parent.glob(f"{prefix}*.tmp"):
        stale.unlink(missing_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def differences(stored: Stored | None, current: Stored) -> list[tuple[str, str, str, str]]:
    """(strategy, search.field, stored, current) for every value that changed."""
    stored = stored or {}
    rows = []
    for strategy in sorted(set(stored) | set(current), key=natural_key):
        old_searches, new_searches = stored.get(strategy, {}), current.get(strategy, {})
        for search in sorted(set(old_searches) | set(new_searches)):
            old, new = old_searches.get(search, {}), new_searches.get(search, {})
            for field in sorted(set(old) | set(new)):
                if old.get(field, "missing") != new.get(field, "missing"):
                    rows.append(
                        (strategy, f"{search}.{field}", _show(old, field), _show(new, field))
                    )
    return rows


def _show(values: dict, field: str) -> str:
    if field not in values:
        return "missing"
    return "none" if values[field] is None else str(values[field])
