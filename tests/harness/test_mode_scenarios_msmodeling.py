"""The DCP, disagg chunked-prefill, length-distribution and MLA-draft scenarios run through
msmodeling's own search code (``msmodeling:exponential``, ``msmodeling:linear_exponential``, the
adapter of ``harness/searches/msmodeling.py``) on our simulator, and probe exactly as our
replicas, strategy by strategy: what ``expect.same_probes_as`` asks, for scenarios that cannot
require a checkout. It needs one in SEARCHBENCH_MSMODELING (it skips without, as every test of a
user's msmodeling checkout does)."""

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
MODE_SCENARIOS = {
    "deepseek-v3-16x-a3-dcp-disagg-decode": "DCP=",
    "deepseek-v3-16x-a3-ep16-dflash": "EP=16",
    "qwen3-8b-16x-a3-tp16-dcp": "DCP=",
    "qwen3-32b-8x-disagg-chunked-prefill": ",prefill",
    "qwen3-32b-8x-chat-rag-lengths": "TP=",
    "qwen3-30b-a3b-8x-long-tail-lengths": "EP=",
    "qwen3-32b-8x-chunked-lengths": "TP=",
    "qwen3-32b-8x-lengths-disagg-prefill": ",prefill",
}
"""Each scenario, and a part of a strategy key its mode shows in."""
REPLICA = {"msmodeling:exponential": "exponential", "msmodeling:linear_exponential": "two_point"}


@pytest.fixture(scope="module")
def checkout():
    path = os.environ.get(msmodeling.ENVIRONMENT)
    if not path:  # a user's own checkout, never CI's (SEARCHBENCH_REQUIRE_TOOLS is for its tools)
        pytest.skip(f"no msmodeling checkout ({msmodeling.ENVIRONMENT})")
    msmodeling.configure(path)
    yield path
    msmodeling.configure(None)


@pytest.mark.parametrize("name", list(MODE_SCENARIOS))
def test_msmodelings_searches_probe_as_our_replicas(checkout, name) -> None:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    searches = tuple(SearchRun(s) for s in (*REPLICA.values(), *REPLICA))
    outcomes = optimize(replace(scenario.request, searches=searches))
    found = {(o.key, o.result.search): o.result for o in outcomes}
    keys = {key for key, _ in found}
    assert any(MODE_SCENARIOS[name] in key for key in keys)
    for key in keys:
        for theirs, ours in REPLICA.items():
            assert found[key, theirs].sequence == found[key, ours].sequence, (key, theirs)
            assert found[key, theirs].batch_size == found[key, ours].batch_size, (key, theirs)
