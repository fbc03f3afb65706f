"""The seams every new mode crosses: one door into the simulator, one name per knob from the
flag to the Deployment field, one simulator per deployment, and --strategy meaning a layout."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from harness import door
from harness.cli import build_parser, main
from harness.fuzz.deployments import DRAWERS, describe
from harness.request import OptimizerRequest, SearchRun, request_knobs
from harness.scenarios import json_schema, load_scenario, template
from harness.scenarios.fields import RENAMED
from simulator import Deployment
from tests.mission import MISSION
from tests.plugin.helpers import SCENARIOS

MISSION_FLAGS = ["Qwen/Qwen3-32B", "--num-devices", "8", "--input-length", "3500"]
MISSION_FLAGS += ["--output-length", "1500", "--tpot-limit", "50"]


def _help(command: str) -> str:
    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices[command]
    return sub.format_help()


def test_every_knob_is_a_flag_a_scenario_key_and_in_the_template() -> None:
    helps = _help("optimize")
    properties = json_schema()["properties"]["deployment"]["properties"]
    text = template()
    for declared in request_knobs():
        section = declared.knob.section  # a section's keys are its mapping's (pd_ratio: {...})
        keys = properties if section in (None, declared.name) else properties[section]["properties"]
        assert declared.name in keys, declared.name
        assert f"{declared.name}:" in text, declared.name
        if declared.flag != "model":
            assert declared.flag in helps, declared.flag


def test_a_knob_keeps_its_name_into_the_deployment() -> None:
    """The door passes the request's values through under their own names."""
    create = Deployment.create.__code__.co_varnames
    fields = {f.name for f in dataclasses.fields(Deployment)}
    for declared in request_knobs():
        if declared.per_probe:
            assert declared.name in create, declared.name
            assert declared.name in fields or declared.name == "max_batched_tokens", declared.name
        if declared.knob.searched:
            assert declared.knob.searched in create, declared.knob.searched


def test_the_fuzz_draws_and_describes_every_drawn_knob() -> None:
    drawn = {d.name for d in request_knobs() if d.knob.draws or d.name in DRAWERS}
    assert {"model", "num_mtp_tokens", "enable_shared_expert_tp", "disagg"} <= drawn
    request = OptimizerRequest(
        model="deepseek-ai/DeepSeek-V3",
        device="ATLAS_800_A3_752T_128G_DIE",
        num_devices=16,
        input_length=64,
        output_length=16,
        tpot_limit_ms=50,
        num_mtp_tokens=(1,),
        enable_shared_expert_tp=True,
    )
    text = describe(request)
    assert "num_mtp_tokens=[1]" in text and "enable_shared_expert_tp=True" in text


@pytest.mark.parametrize("legacy", sorted(RENAMED))
def test_a_key_of_the_first_format_names_its_new_spelling(tmp_path, legacy: str) -> None:
    good = (SCENARIOS / "qwen3-32b-8x-tpot50-eager.yaml").read_text()
    key = legacy.split(".")[1]
    path = tmp_path / "old.yaml"
    path.write_text(good + f"  {key}: {{x: 1}}\n")
    with pytest.raises(Exception, match=f"deployment.{key}: renamed: write"):
        load_scenario(path)


def test_strategy_selects_layouts_and_search_names_searches(capsys) -> None:
    assert main(["optimize", *MISSION_FLAGS, "--strategy", "TP=8", "--search", "exponential"]) == 0
    out = capsys.readouterr().out
    assert "| TP=8 " in out and "| TP=4 " not in out
    assert main(["optimize", *MISSION_FLAGS, "--strategy", "TP=3"]) == 2
    err = capsys.readouterr().err
    assert "--strategy: TP=3 is not a strategy of this request (allowed: TP=1, TP=2" in err


def test_one_simulator_per_deployment_for_every_search_and_lookup() -> None:
    door.forget()
    runs = tuple(SearchRun(n) for n in ("exponential", "two_point", "certified_secant"))
    request = dataclasses.replace(MISSION, searches=(*runs, SearchRun("exhaustive")))
    from harness.optimizer import optimize

    optimize(request)
    assert door.simulator.cache_info().currsize == 4


@pytest.mark.parametrize("ttft", [400.0, 3000.0, 20000.0])
@pytest.mark.parametrize("model,tp", [("Qwen/Qwen3-32B", 1), ("Qwen/Qwen3-8B", 2)])
def test_the_prefill_bound_the_oracle_stops_at_holds(model: str, tp: int, ttft: float) -> None:
    """Every batch past ``infeasible_above`` really is infeasible, so the oracle may stop."""
    deployment = door.deployment(
        model=model,
        num_devices=2,
        tp=tp,
        input_length=1024,
        output_length=128,
        phase="prefill",
        ttft_limit_ms=ttft,
    )
    simulator = door.simulator(deployment)
    bound = simulator.infeasible_above()
    assert bound is not None
    past = simulator.sweep(np.arange(bound + 1, bound + 5000))
    assert not past.feasible.any()
    feasible = np.flatnonzero(simulator.sweep(np.arange(1, bound + 1)).feasible)
    assert feasible.size == 0 or feasible[-1] + 1 <= bound
