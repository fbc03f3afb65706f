"""Scenario files: the format (fields, schema), the loader, discovery, and one run of each.

Names load with the module that defines them, on first use (as ``harness.fuzz`` does): the
gates and the command line name a few of them, and then cost no YAML loader, schema or runner."""

from __future__ import annotations

import importlib

_HOMES = {
    **dict.fromkeys(
        ("Claims", "CollectedScenario", "collect_scenarios", "load_collected"), "collect"
    ),
    **dict.fromkeys(
        ("ScenarioFile", "collisions", "discover", "refuse_collision", "scenario_id"), "discovery"
    ),
    **dict.fromkeys(("Layout", "find_layout"), "layout"),
    "load_scenario": "loader",
    **dict.fromkeys(("Expectations", "Scenario", "ScenarioError", "SearchPlan"), "model"),
    **dict.fromkeys(("display_path", "shell_quote"), "paths"),
    **dict.fromkeys(("ScenarioRun", "run_scenario"), "run"),
    **dict.fromkeys(("json_schema", "render_schema", "template"), "schema"),
    "one_line": "text",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module 'harness.scenarios' has no attribute {name!r}")
    return getattr(importlib.import_module(f"harness.scenarios.{_HOMES[name]}"), name)
