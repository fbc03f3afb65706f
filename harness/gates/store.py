"""Stored answers and probe counts, one JSON file per scenario under ``baselines/search/``.

The format is versioned (``"format": 2``; files without the key are version 1, the same
layout). A file is read only if it is a regular file under ``MOST_BYTES``, and every value is
checked, so a baseline that is huge, deep, duplicate-keyed or out of range is one line naming
it, which ``--update-baselines`` repairs. Writes are atomic (a temporary file renamed over the
old one, mode 0644); a temporary file carries its writer's process id, so concurrent updates
never remove each other's, and leftovers of a writer that died are removed at the next write.
A mismatch leaves ``<id>.obtained.json`` beside the baseline, as pytest-regressions does, so
the two can be diffed.

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
from harness.files import read_regular_text
from harness.scenarios import display_path

FORMAT_VERSION = 2
OBTAINED_SUFFIX = ".obtained.json"
FIELDS = ("batch_size", "probes")
FILE_MODE = 0o644
MOST_BYTES = 4 * 2**20
"""A scenario's baseline is a few KiB."""
LIMITS = {"batch_size": (1, 2**31 - 1), "probes": (0, 10**9)}

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
        if not path.exists() and not path.is_symlink():
            return None
        text = _read_capped(path)
        try:
            payload = json.loads(text, object_pairs_hook=_unique_keys(path))
        except RecursionError:
            raise BaselineError(f"{path}: not a baseline (JSON nested too deeply)") from None
        except ValueError as error:  # JSONDecodeError, and integers past Python's digit limit
            raise BaselineError(f"{path}: not JSON ({error})") from None
        return _validated(path, payload)

    def inputs(self, scenario_id: str) -> str | None:
        """The digest of the inputs the baseline was made with (a length distribution's
        content), or None; read after ``load`` has validated the file."""
        payload = json.loads(_read_capped(self.path(scenario_id)))
        return payload.get("inputs")

    def baseline_writes(
        self, scenario_id: str, results: Stored, inputs: str | None = None
    ) -> tuple[PendingWrite, ...]:
        """Store ``results`` as the baseline, and drop a stale ``.obtained`` file."""
        return (
            PendingWrite(self.path(scenario_id), render(scenario_id, results, inputs)),
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

    def orphan_lines(self, scenario_ids: set[str], scenarios: Path) -> list[str]:
        """What to say about baselines without a scenario. When they outnumber the scenarios
        found, the scenario folder is more likely wrong than the baselines stale: one line
        says so, and nothing is offered for deletion."""
        orphans = self.orphans(scenario_ids)
        if not orphans:
            return []
        if len(orphans) > len(scenario_ids):
            return [
                f"{len(orphans)} baselines in {display_path(self.directory)} have no scenario "
                f"among the {len(scenario_ids)} found in {display_path(scenarios)}: is that "
                "the project's scenario folder? (nothing to delete until it is)"
            ]
        return [f"{display_path(path)} (no scenario file for it; delete it?)" for path in orphans]

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


def render(scenario_id: str, results: Stored, inputs: str | None = None) -> str:
    ordered = {
        key: {search: dict(sorted(values.items())) for search, values in sorted(by.items())}
        for key, by in sorted(results.items(), key=lambda item: natural_key(item[0]))
    }
    payload = {"format": FORMAT_VERSION, "scenario": scenario_id, "results": ordered}
    if inputs is not None:
        payload["inputs"] = inputs
    return json.dumps(payload, indent=2) + "\n"


def _read_capped(path: Path) -> str:
    try:
        return read_regular_text(path, MOST_BYTES)
    except (OSError, ValueError) as error:
        raise BaselineError(f"{path}: cannot read: {error}") from None


def _unique_keys(path: Path):
    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        out: dict[str, object] = {}
        for key, value in items:
            if key in out:
                raise BaselineError(f"{path}: the key {key!r} appears twice in one object")
            out[key] = value
        return out

    return pairs


def _validated(path: Path, payload: object) -> Stored:
    def fail(where: str, expected: str, got: object) -> BaselineError:
        return BaselineError(f"{path}: {where}: expected {expected}, got {got!r}")

    if not isinstance(payload, dict) or not isinstance(payload.get("results"), dict):
        raise fail("top level", 'an object with a "results" object', payload)
    inputs = payload.get("inputs")
    if inputs is not None and not (isinstance(inputs, str) and 0 < len(inputs) <= 64):
        raise fail("inputs", "a digest string", _short(inputs))
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
                low, high = LIMITS[field]
                whole = isinstance(value, int) and not isinstance(value, bool)
                if value is not None and not (whole and low <= value <= high):
                    where = f"results.{key}.{search}.{field}"
                    raise fail(where, f"null or a whole number {low}..{high:,}", _short(value))
    return payload["results"]


def _short(value: object) -> object:
    shown = repr(value)
    return value if len(shown) <= 40 else f"{shown[:37]}..."


def write_atomic(path: Path, text: str) -> None:
    """Write beside the target, then rename over it: readers see the old or the new file whole.

    The file gets mode 0644 whatever the umask of the temporary file's creator. Temporary files
    of this target whose writer is no longer running are removed first; a live writer's never.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}."
    for stale in path.parent.glob(f"{prefix}*.tmp"):
        if not _writer_alive(stale, prefix):
            stale.unlink(missing_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f"{prefix}{os.getpid()}.", suffix=".tmp"
    )
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


def _writer_alive(temporary: Path, prefix: str) -> bool:
    pid = temporary.name[len(prefix) :].split(".", 1)[0]
    if not pid.isdigit():
        return False  # an older searchbench's name, without a process id
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # running, as another user
    return True


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
