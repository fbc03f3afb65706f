"""The deployment space as the test suite: draw deployments, check every search, shrink failures
into scenario files. hypothesis is imported only when a fuzz runs (``harness.fuzz.run``)."""

from __future__ import annotations

import importlib

_HOMES = {
    "PROFILES": "harness.fuzz.settings",
    "FuzzSettings": "harness.fuzz.settings",
    "FuzzReport": "harness.fuzz.run",
    "fuzz": "harness.fuzz.run",
    "describe": "harness.fuzz.deployments",
    "Violation": "harness.fuzz.check",
    "violations": "harness.fuzz.check",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module 'harness.fuzz' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
