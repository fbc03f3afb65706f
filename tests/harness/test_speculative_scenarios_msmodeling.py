"""The speculative-decoding scenarios (DFlash, agg and disaggregated decode; DSpark) run through
msmodeling's own search code (``msmodeling:exponential``, ``msmodeling:linear_exponential``) on
our simulator, and probe exactly as our replicas, strategy by strategy (the pattern of
``test_dcp_scenarios_msmodeling.py``). It needs a checkout in SEARCHBENCH_MSMODELING and skips
without."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from harness.optimizer import optimize
from harness.request import SearchRun
from harness.scenarios.loader import load_scenario
from harness.searches import msmodeling

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SPECULATIVE_SCENARIOS = (
    "qwen3-32b-8x-dflash",
    "qwen3-32b-8x-dflash-disagg-decode",
    "qwen3-32b-8x-dspark",
    "qwen3-30b-a3b-8x-dspark",
)
REPLICA = {"msmodeling:exponential": "exponential", "msmodeling:linear_exponential": "two_point"}


@pytest.fixture(scope="module")
def checkout():
    path = os.environ.get(msmodeling.ENVIRONMENT)
    if not path:
        pytest.skip(f"no msmodeling checkout ({msmodeling.ENVIRONMENT})")
    msmodeling.configure(path)
    yield path
    msmodeling.configure(None)


@pytest.mark.parametrize("name", SPECULATIVE_SCENARIOS)
def test_msmodelings_searches_probe_as_our_replicas(checkout, name) -> None:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    searches = tuple(SearchRun(s) for s in (*REPLICA.values(), *REPLICA))
    outcomes = optimize(replace(scenario.request, searches=searches))
    found = {(o.key, o.result.search): o.result for o in outcomes}
    keys = {key for key, _ in found}
    assert len(keys) == 4
    for key in keys:
        for theirs, ours in REPLICA.items():
            assert found[key, theirs].sequence == found[key, ours].sequence, (key, theirs)
            assert found[key, theirs].batch_size == found[key, ours].batch_size, (key, theirs)
