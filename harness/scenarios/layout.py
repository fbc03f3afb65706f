"""Where a project keeps its scenarios and stored baselines, found the same way by the CLI and
the pytest plugin: the ``searchbench_scenarios`` and ``searchbench_baselines`` keys of the
project's pytest configuration, relative to the folder that holds it."""

from __future__ import annotations

import configparser
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - pytest depends on tomli before 3.11
    import tomli as tomllib

SCENARIOS_KEY = "searchbench_scenarios"
BASELINES_KEY = "searchbench_baselines"
DEFAULT_SCENARIOS = "scenarios"
DEFAULT_BASELINES = "baselines/search"
_INI_FILES = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")


@dataclass(frozen=True)
class Layout:
    root: Path
    scenarios: Path
    baselines: Path
    declared: bool
    """The project's configuration names its scenario folder: the pytest plugin collects."""

    @classmethod
    def of(cls, root: Path, scenarios: str | None, baselines: str | None) -> Layout:
        root = root.resolve()
        return cls(
            root,
            (root / (scenarios or DEFAULT_SCENARIOS)).resolve(),
            (root / (baselines or DEFAULT_BASELINES)).resolve(),
            declared=scenarios is not None,
        )


def find_layout(start: Path | None = None) -> Layout:
    """The layout of the project around ``start`` (default: the working directory): the nearest
    folder upwards whose pytest configuration exists, else ``start`` itself with the defaults."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        for name in _INI_FILES:
            keys = _pytest_keys(folder / name)
            if keys is not None:
                return Layout.of(folder, keys.get(SCENARIOS_KEY), keys.get(BASELINES_KEY))
    return Layout.of(start, None, None)


def _pytest_keys(path: Path) -> dict[str, str] | None:
    """The pytest ini keys in a configuration file, or None if it holds no pytest section."""
    if not path.is_file():
        return None
    try:
        if path.suffix == ".toml":
            data = tomllib.loads(path.read_text())
            section = data.get("tool", {}).get("pytest", {}).get("ini_options")
            return None if section is None else {k: str(v) for k, v in section.items()}
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(path.read_text())
    except (OSError, ValueError, configparser.Error, tomllib.TOMLDecodeError):
        return None
    for section in ("pytest", "tool:pytest"):
        if parser.has_section(section):
            return dict(parser.items(section))
    return {} if path.name in ("pytest.ini", ".pytest.ini") else None
