"""Where a project keeps its scenarios and stored baselines, found the same way by the CLI and
the pytest plugin: the ``searchbench_scenarios`` and ``searchbench_baselines`` keys of the
project's pytest configuration, relative to the folder that holds it; and which modules its
scenario files may name searches from (``[tool.searchbench] searches`` in its pyproject.toml).

``find_layout`` finds the project around the working directory; ``layout_for`` finds the one a
scenario file belongs to, so a path into another checkout uses that checkout's baselines.
"""

from __future__ import annotations

import configparser
import sys
from dataclasses import dataclass
from pathlib import Path

from harness.errors import SearchbenchError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - pytest depends on tomli before 3.11
    import tomli as tomllib

SCENARIOS_KEY = "searchbench_scenarios"
BASELINES_KEY = "searchbench_baselines"
SEARCHES_KEY = "searches"
"""``[tool.searchbench] searches``: modules whose callables scenario files may name."""
DEFAULT_SCENARIOS = "scenarios"
DEFAULT_BASELINES = "baselines/search"
_INI_FILES = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")


class NoProjectError(SearchbenchError):
    """No searchbench project around the working directory."""


@dataclass(frozen=True)
class Layout:
    root: Path
    scenarios: Path
    baselines: Path
    declared: bool
    """The project's configuration names its scenario folder: the pytest plugin collects."""
    found: bool = True
    """A project is there: a configuration, or a scenario folder by the default name."""

    @classmethod
    def of(
        cls,
        root: Path,
        scenarios: str | None,
        baselines: str | None,
        *,
        found: bool = True,
    ) -> Layout:
        root = root.resolve()
        return cls(
            root,
            (root / (scenarios or DEFAULT_SCENARIOS)).resolve(),
            (root / (baselines or DEFAULT_BASELINES)).resolve(),
            declared=scenarios is not None,
            found=found,
        )

    def search_modules(self) -> tuple[str, ...]:
        """Modules whose ``module:callable`` searches the project's scenario files may name."""
        return allowed_search_modules(self.root)


def find_layout(start: Path | None = None, *, required: bool = False) -> Layout:
    """The layout of the project around ``start`` (default: the working directory): the nearest
    folder upwards with a pytest configuration or a ``[tool.searchbench]`` table, else ``start``
    itself with the defaults. ``required``: raise NoProjectError, one line, when neither that
    nor a ``scenarios`` folder in ``start`` is there."""
    start = (start or Path.cwd()).resolve()
    found = _configured(start)
    if found is not None:
        return found
    if (start / DEFAULT_SCENARIOS).is_dir():
        return Layout.of(start, None, None)
    if required:
        raise NoProjectError(
            f"no searchbench project here: neither {start} nor a folder above it has a pytest "
            f"configuration (pytest.ini, pyproject.toml, tox.ini, setup.cfg) or a "
            f"{DEFAULT_SCENARIOS}/ folder; run from a project, or name scenario files"
        )
    return Layout.of(start, None, None, found=False)


def layout_for(path: Path | str) -> Layout:
    """The project a scenario file (or folder) belongs to: the nearest folder above it with a
    project configuration, or whose ``scenarios`` folder holds it; a path in no project belongs
    to the working directory's. ``searchbench run CLONE/scenarios/x.yaml`` from outside the
    clone thus reads and writes the clone's baselines, as ``pytest`` does."""
    path = Path(path).absolute()
    folder = path if path.is_dir() else path.parent
    found = _configured(folder.resolve())
    if found is not None:
        return found
    for parent in (folder, *folder.parents):
        if parent.name == DEFAULT_SCENARIOS and parent.is_dir():
            return Layout.of(parent.parent, None, None)
    return find_layout()


def _configured(start: Path) -> Layout | None:
    for folder in (start, *start.parents):
        for name in _INI_FILES:
            keys = _pytest_keys(folder / name)
            if keys is not None:
                return Layout.of(folder, keys.get(SCENARIOS_KEY), keys.get(BASELINES_KEY))
        if _searchbench_table(folder / "pyproject.toml") is not None:
            return Layout.of(folder, None, None)
    return None


def allowed_search_modules(root: Path) -> tuple[str, ...]:
    """``[tool.searchbench] searches`` of the pyproject.toml in ``root``: module names, each a
    dotted Python name; anything else is one SearchbenchError naming the file."""
    path = root / "pyproject.toml"
    table = _searchbench_table(path)
    if table is None or SEARCHES_KEY not in table:
        return ()
    value = table[SEARCHES_KEY]
    if not isinstance(value, list) or not all(_is_module_name(item) for item in value):
        raise SearchbenchError(
            f"{path}: [tool.searchbench] {SEARCHES_KEY}: expected a list of module names "
            f'such as ["my_searches"], got {value!r}'
        )
    return tuple(value)


def _is_module_name(value: object) -> bool:
    return (
        isinstance(value, str)
        and value.isascii()
        and all(part.isidentifier() for part in value.split("."))
    )


def _searchbench_table(path: Path) -> dict | None:
    """``[tool.searchbench]`` of a pyproject.toml, or None if it has none."""
    data = _toml(path)
    table = data.get("tool", {}).get("searchbench") if data is not None else None
    return table if isinstance(table, dict) else None


def _toml(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        return tomllib.loads(path.read_text())
    except (OSError, ValueError, tomllib.TOMLDecodeError):
        return None


def _pytest_keys(path: Path) -> dict[str, str] | None:
    """The pytest ini keys in a configuration file, or None if it holds no pytest section."""
    if path.suffix == ".toml":
        data = _toml(path)
        section = data.get("tool", {}).get("pytest", {}).get("ini_options") if data else None
        return None if not isinstance(section, dict) else {k: str(v) for k, v in section.items()}
    if not path.is_file():
        return None
    try:
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(path.read_text())
    except (OSError, ValueError, configparser.Error):
        return None
    for section in ("pytest", "tool:pytest"):
        if parser.has_section(section):
            return dict(parser.items(section))
    return {} if path.name in ("pytest.ini", ".pytest.ini") else None
