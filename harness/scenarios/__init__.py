"""Scenario files: the format (fields, schema), the loader, discovery, and one run of each.

Names load with the module that defines them, on first use (PEP 562): building the command
line, which names a few of them, then costs no YAML loader, schema or runner."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_HOMES = {
    "collect": ("Claims", "CollectedScenario", "collect_scenarios", "load_collected"),
    "discovery": ("ScenarioFile", "collisions", "discover", "refuse_collision", "scenario_id"),
    "layout": ("Layout", "find_layout"),
    "loader": ("load_scenario",),
    "model": ("Expectations", "Scenario", "ScenarioError", "SearchPlan"),
    "paths": ("display_path", "shell_quote"),
    "run": ("ScenarioRun", "run_scenario"),
    "schema": ("json_schema", "render_schema", "template"),
    "text": ("one_line",),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}
__all__ = [
    "Claims",
    "CollectedScenario",
    "Expectations",
    "Layout",
    "Scenario",
    "ScenarioError",
    "ScenarioFile",
    "ScenarioRun",
    "SearchPlan",
    "collect_scenarios",
    "collisions",
    "discover",
    "display_path",
    "find_layout",
    "json_schema",
    "load_collected",
    "load_scenario",
    "one_line",
    "refuse_collision",
    "render_schema",
    "run_scenario",
    "scenario_id",
    "shell_quote",
    "template",
]


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


if TYPE_CHECKING:
    from harness.scenarios.collect import (
        Claims,
        CollectedScenario,
        collect_scenarios,
        load_collected,
    )
    from harness.scenarios.discovery import (
        ScenarioFile,
        collisions,
        discover,
        refuse_collision,
        scenario_id,
    )
    from harness.scenarios.layout import Layout, find_layout
    from harness.scenarios.loader import load_scenario
    from harness.scenarios.model import Expectations, Scenario, ScenarioError, SearchPlan
    from harness.scenarios.paths import display_path, shell_quote
    from harness.scenarios.run import ScenarioRun, run_scenario
    from harness.scenarios.schema import json_schema, render_schema, template
    from harness.scenarios.text import one_line
