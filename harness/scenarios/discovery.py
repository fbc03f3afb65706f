"""Finding scenario files and naming them: a scenario's id is its path under the scenario
folder without the suffix, so ``a/x.yaml`` and ``b/x.yaml`` keep separate baselines."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from harness.errors import SearchbenchError

SUFFIXES = (".yaml", ".yml")
SCHEMA_FILE = "schema.json"


@dataclass(frozen=True)
class ScenarioFile:
    path: Path
    id: str


def scenario_id(path: Path, scenario_root: Path) -> str:
    """The path under the scenario folder without its suffix; outside it, the file's stem."""
    try:
        relative = path.absolute().relative_to(scenario_root.absolute())
    except ValueError:
        return path.stem
    return relative.with_suffix("").as_posix()


def is_scenario_path(path: Path) -> bool:
    return path.suffix in SUFFIXES


def discover(paths: Iterable[Path | str], scenario_root: Path) -> list[ScenarioFile]:
    """Scenario files under the given files and folders, sorted per folder.

    Files named explicitly are kept whatever they are, so that a directory, a dangling link or
    an unreadable file fails as that scenario instead of vanishing.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and not is_scenario_path(path):
            found += sorted(p for p in _walk(path) if is_scenario_path(p))
        else:
            found.append(path)
    return [ScenarioFile(p, scenario_id(p, scenario_root)) for p in found]


def _walk(folder: Path) -> list[Path]:
    """Every entry below ``folder``, following no symlinked folders (no loops)."""
    out: list[Path] = []
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return out
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink() and not is_scenario_path(entry):
            out += _walk(entry)
        else:
            out.append(entry)
    return out


def collisions(files: Iterable[ScenarioFile]) -> dict[str, list[Path]]:
    """Ids that more than one file claims (``x.yaml`` beside ``x.yml``), with the files."""
    by_id: dict[str, list[Path]] = {}
    for file in files:
        by_id.setdefault(file.id, []).append(file.path)
    return {key: paths for key, paths in by_id.items() if len(paths) > 1}


def same_name(a: Path, b: Path) -> bool:
    """Whether two paths name the same directory entry. Links are not followed, so a dangling
    or looping link compares like any other file."""
    return os.path.normpath(a.absolute()) == os.path.normpath(b.absolute())


def refuse_collision(path: Path, scenario_id: str, claimants: Iterable[Path]) -> None:
    """Raise when files other than ``path`` claim its id (``claimants`` may include it)."""
    others = [str(p) for p in claimants if not same_name(p, path)]
    if others:
        raise SearchbenchError(
            f"{path}: scenario id {scenario_id!r} is also claimed by {', '.join(others)}; "
            "rename one"
        )
