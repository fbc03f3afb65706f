"""The deployment space as the test suite: draw deployments, check every search, judge heuristic
searches' misses against a ledger, shrink failures into scenario files. hypothesis is imported
only when a fuzz runs (``harness.fuzz.run``), so ``searchbench --help`` stays fast."""

from __future__ import annotations

import importlib

_HOMES = {
    "PROFILES": "harness.fuzz.settings",
    "FuzzSettings": "harness.fuzz.settings",
    "FuzzReport": "harness.fuzz.report",
    "FuzzRun": "harness.fuzz.document",
    "fuzz": "harness.fuzz.run",
    "run_gate": "harness.fuzz.gate",
    "ledger_path": "harness.fuzz.gate",
    "load_ledger": "harness.fuzz.gate",
    "merge_runs": "harness.fuzz.gate",
    "describe": "harness.fuzz.deployments",
    "Miss": "harness.fuzz.check",
    "Violation": "harness.fuzz.check",
    "violations": "harness.fuzz.check",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module 'harness.fuzz' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
