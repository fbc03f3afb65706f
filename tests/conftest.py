"""The suite's tiers, and hypothesis profiles (a fast default, a thorough deterministic one
under CI).

Plain ``pytest`` is the quick tier. ``--full`` is the whole suite as CI runs it: it adds the tests
marked ``slow`` (end-to-end runs that start pytest-xdist workers, or run the fuzz several times).
``--nightly`` adds the tests marked ``nightly`` too (thousand-deployment fuzz runs, minutes each).
"""

from __future__ import annotations

import os

import numpy  # noqa: F401
import pytest
from hypothesis import HealthCheck, settings

# numpy loads lazily in searchbench, and pytester's in-process runs unload every module first
# imported inside them; numpy's C core cannot load twice in one process, so load it up front.

settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("ci", settings.get_profile("ci"), max_examples=250)
settings.register_profile("thorough", settings.get_profile("ci"), max_examples=3000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

pytest_plugins = ["pytester"]

CHILD_PYTEST_OPTIONS = "-p no:hypothesispytest"
"""What the pytest runs a test starts (pytester's, in process or not, and their xdist workers)
leave out: hypothesis' pytest plugin imports all of hypothesis at start-up, 1.5 s of a child's
2.4 s where bytecode is not cached (PYTHONDONTWRITEBYTECODE), and no child project needs it:
the fuzz drives hypothesis itself, and this session's own scenario items run beside the plugin."""


def _lean(monkeypatch: pytest.MonkeyPatch) -> None:
    given = os.environ.get("PYTEST_ADDOPTS", "")
    if CHILD_PYTEST_OPTIONS not in given:
        monkeypatch.setenv("PYTEST_ADDOPTS", f"{given} {CHILD_PYTEST_OPTIONS}".strip())


@pytest.fixture(autouse=True)
def _lean_child_pytest(monkeypatch: pytest.MonkeyPatch) -> None:
    """For the pytest processes a test starts itself (``python -m pytest``)."""
    _lean(monkeypatch)


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester, whose set-up clears PYTEST_ADDOPTS: set again for its runs."""
    _lean(monkeypatch)
    return pytester


TIERS = {"slow": ("full", "nightly"), "nightly": ("nightly",)}
"""Each tier's marker, and the options that run its tests."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("searchbench suite tiers")
    group.addoption(
        "--full",
        action="store_true",
        help="the whole suite, as CI runs it: adds the end-to-end tests marked slow",
    )
    group.addoption(
        "--nightly",
        action="store_true",
        help="--full, and the thousand-deployment fuzz tests marked nightly (minutes each)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for marker, options in TIERS.items():
        if any(config.getoption(option) for option in options):
            continue
        skip = pytest.mark.skip(reason=f"{marker}: --{options[0]} runs it")
        for item in items:
            if item.get_closest_marker(marker):
                item.add_marker(skip)
