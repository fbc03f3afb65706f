"""Scenario files: the format (fields, schema), the loader, discovery, and one run of each."""

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
