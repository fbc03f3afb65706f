"""Stored answers and probe counts per scenario: load, compare, and atomic update with a diff."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

Stored = dict[str, dict[str, dict[str, int | None]]]


class BaselineError(ValueError):
    """A stored baseline file that cannot be read."""


def baseline_path(directory: Path, scenario_id: str) -> Path:
    return directory / f"{scenario_id}.json"


def render(scenario_id: str, results: Stored) -> str:
    payload = {"scenario": scenario_id, "results": results}
    return json.dumps(payload, indent=2, sort_keys=True) + "\n"


def load(path: Path) -> Stored | None:
    """The stored results, or None when there is no baseline file."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    try:
        return json.loads(text)["results"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise BaselineError(f"{path}: not a searchbench baseline ({error})") from None


def write_atomic(path: Path, text: str) -> None:
    """Write beside the target, then rename over it: readers see the old or the new file whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def differences(stored: Stored | None, current: Stored) -> list[tuple[str, str, str, str]]:
    """(strategy, search.field, stored, current) for every value that changed."""
    stored = stored or {}
    rows = []
    for strategy in sorted(set(stored) | set(current)):
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


def orphans(directory: Path, scenario_ids: set[str]) -> list[Path]:
    """Stored baselines whose scenario file no longer exists."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.json") if p.stem not in scenario_ids)
