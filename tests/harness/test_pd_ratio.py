"""PD-ratio mode (issue 27): msmodeling's checks of its flags (8fdc7b2), each phase's layouts on
its own devices per instance, the cross-join, its sort and instance split, the pairing gate, and
a search within tolerance in each phase that moves the pairing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from harness.cli import main
from harness.errors import DeploymentError
from harness.gates.pairing import pairing_check
from harness.optimizer import optimize
from harness.optimizer.pd_ratio import PdRow, PhaseRow, final_table, instance_split, pairing
from harness.request import OptimizerRequest, SearchRun
from harness.scenarios import ScenarioRun, load_scenario
from harness.scenarios.model import SearchPlan
from harness.scenarios.writer import deployment_mapping
from harness.searches.base import Outcome
from harness.searches.exponential import ExponentialParams
from harness.searches.exponential import exponential as exponential_search

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "qwen3-32b-16x-pd-ratio.yaml"
BASE = dict(
    model="Qwen/Qwen3-32B",
    num_devices=16,
    input_length=2048,
    output_length=1024,
    tpot_limit_ms=40.0,
    ttft_limit_ms=5000.0,
    tp_sizes=(2, 4),
)
PD = dict(BASE, pd_ratio=True, prefill_devices=4, decode_devices=8)


def test_msmodelings_checks_of_the_flags() -> None:
    with pytest.raises(DeploymentError, match="require --enable-optimize-prefill-decode-ratio"):
        OptimizerRequest(**BASE, prefill_devices=4)
    with pytest.raises(DeploymentError, match="require --enable") as error:
        OptimizerRequest(**BASE, disagg=True, decode_devices=4)
    assert error.value.field == "decode_devices"
    with pytest.raises(DeploymentError, match="cannot be used together with --disagg"):
        OptimizerRequest(**PD, disagg=True)
    with pytest.raises(DeploymentError, match="both --prefill-devices-per-instance") as error:
        OptimizerRequest(**dict(PD, decode_devices=None))
    assert error.value.field == "decode_devices"
    with pytest.raises(DeploymentError, match="needs a TTFT limit"):
        OptimizerRequest(**dict(PD, ttft_limit_ms=None))


def test_the_flags_are_msmodelings(capsys) -> None:
    flags = ["Qwen/Qwen3-32B", "--num-devices", "16", "--input-length", "2048"]
    flags += ["--output-length", "1024", "--tpot-limit", "40", "--ttft-limit", "5000"]
    flags += ["--tp-sizes", "2", "4", "--enable-optimize-prefill-decode-ratio"]
    flags += ["--prefill-devices-per-instance", "4", "--decode-devices-per-instance", "8"]
    assert main(["optimize", *flags, "--search", "exponential"]) == 0
    out = capsys.readouterr().out
    assert "TP=2,prefill" in out and "TP=4,decode" in out
    assert "PD ratio" in out and "TP=2,prefill + TP=4,decode" in out
    assert main(["optimize", *flags[:-5], "--prefill-devices-per-instance", "4"]) == 2
    assert "require --enable-optimize-prefill-decode-ratio" in capsys.readouterr().err


def test_each_phase_is_searched_on_its_own_devices() -> None:
    request = OptimizerRequest(**PD)
    found = [(s.key, s.parallel.dp, s.num_devices) for s in request.strategies()]
    assert found == [
        ("TP=2,prefill", 2, 4),
        ("TP=4,prefill", 1, 4),
        ("TP=2,decode", 4, 8),
        ("TP=4,decode", 2, 8),
    ]
    for strategy in request.strategies():
        assert request.deployment(strategy, 8192).num_devices == strategy.num_devices


def test_the_section_loads_and_writes_back() -> None:
    scenario = load_scenario(SCENARIO)
    request = scenario.request
    assert (request.pd_ratio, request.prefill_devices, request.decode_devices) == (True, 4, 8)
    mapping = deployment_mapping(request)
    assert mapping["pd_ratio"] == {"prefill_devices": 4, "decode_devices": 8}
    assert "prefill_devices" not in mapping


def test_a_section_with_one_count_names_the_other(tmp_path: Path) -> None:
    text = SCENARIO.read_text().replace("decode_devices: 8", "decode_device: 8")
    (tmp_path / "bad.yaml").write_text(text)
    with pytest.raises(Exception, match=r"deployment\.pd_ratio\.decode_device: unknown key"):
        load_scenario(tmp_path / "bad.yaml")
    text = SCENARIO.read_text().replace(", decode_devices: 8", "")
    (tmp_path / "half.yaml").write_text(text)
    with pytest.raises(Exception, match=r"half.yaml:\d+: deployment.decode_devices: both"):
        load_scenario(tmp_path / "half.yaml")


def _row(key: str, dp: int, batch: int, latency: float, qps: float) -> PhaseRow:
    return PhaseRow(key, f"{key} DP={dp}", 4, batch, batch * dp, latency, qps)


def test_the_table_keeps_one_row_per_pair_and_balanced_qps_then_ranks() -> None:
    p1, p2 = _row("TP=2,prefill", 2, 20, 4900.0, 8.0), _row("TP=4,prefill", 1, 38, 4980.0, 7.6)
    d1, d2 = _row("TP=4,decode", 2, 88, 39.9, 4.3), _row("TP=2,decode", 4, 31, 39.5, 3.1)
    d3 = _row("TP=4,decode", 2, 80, 38.0, 4.1)
    rows = [PdRow(p, d) for p in (p1, p2) for d in (d1, d2, d3)]
    table = final_table(rows, 5000.0, 40.0)
    # balanced = the decode QPS for every pair: one row per rounded value, the best prefill first
    assert [(r.prefill.key, r.decode.batch_size) for r in table] == [
        ("TP=2,prefill", 88),
        ("TP=2,prefill", 31),
    ]
    assert table[0].pd_ratio == pytest.approx(4.3 / 8.0)
    assert final_table(rows, 4000.0, 40.0) == []


def test_msmodelings_instance_split() -> None:
    # ratio 1, 8 devices, prefill 4 and decode 2 per instance: 1:1 (6 devices) is exact
    assert instance_split(1.0, 8, 4, 2) == (1, 1)
    # ratio 0.14, 64 devices of 8 per instance: d=7 gives round(0.99) = 1 prefill, 64 devices
    assert instance_split(0.141, 64, 8, 8) == (1, 7)
    # nothing fits: 12 devices for instances of 8 and 8
    assert instance_split(0.5, 12, 8, 8) == (0, 0)
    # ties keep the first (fewest decode instances)
    assert instance_split(0.5, 100, 1, 1) == (1, 2)


def one_short(probe, params, context):
    """Deliberately broken: exponential, then it forgets its binary search and reports one batch
    below the answer wherever the answer is at least 50 (within 2%)."""
    found = exponential_search(probe, ExponentialParams(), context)
    if found.batch_size is None or found.batch_size < 50:
        return found
    probe.binary_search_from = len(probe.trace)
    probe(found.batch_size - 1)
    return Outcome(found.batch_size - 1)


BROKEN = f"{__name__}:one_short"


SPLIT = dict(
    model="Qwen/Qwen3-8B",
    num_devices=48,
    input_length=1024,
    output_length=512,
    tpot_limit_ms=30.0,
    ttft_limit_ms=1000.0,
    pd_ratio=True,
    prefill_devices=1,
    decode_devices=1,
)
"""One-device instances on 48 devices: msmodeling's split is the count closest to an integer
over 1..48 decode instances, so a ratio 0.5% lower moves it from 7 + 37 to 3 + 16."""


def _run_with(candidate: str, deployment: dict | None = None) -> ScenarioRun:
    scenario = load_scenario(SCENARIO)
    plan = SearchPlan(scenario.searches.baseline, (SearchRun(candidate),), scenario.searches.oracle)
    request = dataclasses.replace(scenario.request, searches=plan.all)
    if deployment is not None:
        request = OptimizerRequest(**deployment, searches=plan.all)
    scenario = dataclasses.replace(scenario, request=request, searches=plan)
    return ScenarioRun(scenario, tuple(optimize(request)))


def test_a_search_within_tolerance_in_each_phase_that_moves_the_pairing_fails() -> None:
    from harness.gates.answers import answers_check

    run = _run_with(BROKEN, SPLIT)
    answers = {key: run.result(key, BROKEN).batch_size for key in run.keys}
    baseline = {key: run.result(key, "exponential").batch_size for key in run.keys}
    assert answers["TP=1,decode"] == baseline["TP=1,decode"] - 1 >= 50
    assert all(answers_check(run, key).passed for key in run.keys)
    check = pairing_check(run)
    assert not check.passed
    assert (
        f"{BROKEN} splits the devices into 3 prefill and 16 decode instances, exponential into "
        "7 and 37" in check.summary
    )
    # the same search on the scenario moves the ratio by 1%, which neither split nor print shows
    assert pairing_check(_run_with(BROKEN)).rows[2][-1] == "ok"


def test_the_bundled_candidates_choose_the_baselines_pairing() -> None:
    run = _run_with("two_point")
    check = pairing_check(run)
    assert check.passed, check.render()
    rows = {(r[0], r[1]): r for r in check.rows}
    assert rows["probes, prefill", "two_point"][2:4] == ("< 22", 15)
    assert rows["probes, decode", "two_point"][2:4] == ("< 22", 17)
    best = pairing(run.scenario.request, run.outcomes, "exponential").summary()
    assert (best["prefill"], best["decode"], best["batch_size_p"]) == (
        "TP=2,prefill",
        "TP=4,decode",
        20,
    )


def _msmodeling_pairs(checkout: Path | None) -> ScenarioRun:
    from harness.searches import msmodeling

    msmodeling.configure(checkout)
    try:
        names = ("exponential", "msmodeling:exponential", "two_point")
        names += ("msmodeling:linear_exponential",)
        request = OptimizerRequest(**PD, searches=tuple(SearchRun(n) for n in names))
        return {o.key + " " + o.result.search: o for o in optimize(request)}, request
    finally:
        msmodeling.configure(None)


PAIRS = (("exponential", "msmodeling:exponential"), ("two_point", "msmodeling:linear_exponential"))


def _same_in_both_phases(found: dict, request: OptimizerRequest, pairs=PAIRS) -> None:
    """Probe for probe on every strategy of both phases, and so the same pairing."""
    outcomes = list(found.values())
    for key in {o.key for o in outcomes}:
        for ours, theirs in pairs:
            assert (
                found[f"{key} {theirs}"].result.sequence == found[f"{key} {ours}"].result.sequence
            )
    for ours, theirs in pairs:
        mine, msm = pairing(request, outcomes, ours), pairing(request, outcomes, theirs)
        assert mine.summary() == msm.summary() and mine.best is not None


def test_msmodelings_search_code_probes_as_our_replicas_in_both_phases() -> None:
    # the fake checkout's loop is exponential's only
    found = _msmodeling_pairs(REPO / "tests" / "fixtures" / "fake_msmodeling")
    _same_in_both_phases(*found, pairs=PAIRS[:1])


@pytest.mark.skipif(
    not __import__("os").environ.get("SEARCHBENCH_MSMODELING"),
    reason="set SEARCHBENCH_MSMODELING to an msmodeling checkout to run its real search code",
)
def test_the_real_checkouts_search_code_pairs_as_our_replicas() -> None:
    import os

    _same_in_both_phases(*_msmodeling_pairs(Path(os.environ["SEARCHBENCH_MSMODELING"])))


def test_only_a_pd_ratio_scenario_has_the_pairing_item() -> None:
    from harness.gates import gate_items

    scenario = load_scenario(SCENARIO)
    names = [item.name for item in gate_items(scenario.strategy_keys(), scenario)]
    assert names[-3:] == ["seconds", "pairing", "regression"]
    other = load_scenario(REPO / "scenarios" / "qwen3-32b-8x-disagg-decode.yaml")
    assert "pairing" not in [i.name for i in gate_items(other.strategy_keys(), other)]


def test_the_message_names_the_phase_whose_layout_moved() -> None:
    from harness.gates.pairing import _why
    from harness.optimizer.pd_ratio import Pairing

    p2, p4 = _row("TP=2,prefill", 2, 20, 4900.0, 8.16), _row("TP=4,prefill", 1, 38, 4980.0, 7.63)
    decode = _row("TP=4,decode", 2, 88, 39.9, 4.3)
    base = Pairing("exponential", (PdRow(p2, decode),), 1, 1)
    mine = Pairing("short", (PdRow(p4, decode),), 1, 1)
    why = _why(base, mine, "short", "exponential")
    assert why[0] == (
        "short pairs prefill TP=4,prefill (batch 38, 7.630 req/s) where exponential pairs "
        "TP=2,prefill (batch 20, 8.160 req/s): short's TP=2,prefill rows stop short of that"
    )
    assert "short's ratio is 0.56, exponential's 0.53" in why[1]
    assert _why(base, base, "same", "exponential") == []


def test_a_record_whose_pairing_moved_fails_its_check() -> None:
    import copy

    from harness.calibration import load_record
    from harness.calibration.pd_ratio import pairing_drifts

    record = load_record(REPO / "tests" / "calibration" / "qwen3-32b-16x-pd-ratio.json")
    assert all(d.ok for d in pairing_drifts(record.pd_ratio, 0.01))
    moved = copy.deepcopy(record.pd_ratio)
    moved["chosen"]["exponential"].update(d_instances=2, d_qps=4.45)
    moved["chosen"]["exponential"]["table"][1]["batch_size_d"] = 30
    failed = {(d.what, d.where) for d in pairing_drifts(moved, 0.01) if not d.ok}
    assert failed == {
        ("d_instances", "PD ratio, exponential"),
        ("d_qps", "PD ratio, exponential"),
        ("layouts and batches", "PD ratio, exponential row 2"),
    }


def test_the_recorder_keeps_msmodelings_table_and_split() -> None:
    from harness.calibration.recorder import record_payload

    request = OptimizerRequest(**PD)

    def probe(tp: int, dp: int, phase: str, batch: int) -> dict:
        layout = {"tp": tp, "dp": dp, "ep": 1, "moe_tp": 1, "moe_dp": 1}
        return {"kind": "probe", "layout": layout, "num_mtp_tokens": 0, "phase": phase,
                "search": "exponential", "batch": batch, "max_batched_tokens": 8192,
                "early_stop": False, "reason": None}  # fmt: skip

    row = {"pd_ratio": 0.53, "p_qps": 8.1, "d_qps": 4.3, "parallel_p": "TP=2 | PP=1 | DP=2",
           "parallel_d": "TP=4 | pp=1 | dp=2", "batch_size_p": 20, "batch_size_d": 88}  # fmt: skip
    lines = [probe(2, 2, "prefill", 1), probe(4, 2, "decode", 1)]
    lines += [{"kind": "pd_table", "rows": [row]}, {"kind": "pd_instances", "p_instances": 1,
              "d_instances": 1}]  # fmt: skip
    payload = record_payload(request, {"exponential": lines}, "cmd", "84fec85", "a test")
    assert [r["deployment"]["num_devices"] for r in payload["runs"]] == [4, 8]
    chosen = payload["pd_ratio"]["chosen"]["exponential"]
    assert (chosen["prefill"], chosen["decode"], chosen["d_instances"]) == (
        "TP=2,prefill",
        "TP=4,decode",
        1,
    )
    assert payload["pd_ratio"]["request"]["pd_ratio"] is True


def test_a_retrys_binary_search_is_found_in_the_merged_trace() -> None:
    """After an automatic token-budget retry, a phase's rows are the retry's binary search (as
    msmodeling keeps the retry's summary only), not the probes before it."""
    from harness.optimizer.run import _merge
    from harness.probe import Observation, StopReason
    from harness.searches import SearchResult

    def observed(batch: int, fits: bool) -> Observation:
        return Observation(batch, fits, None if fits else StopReason.PREFILL_OOM, None, 1.0, 0, 0)

    first = SearchResult("exponential", None, 1, (1,), (observed(1, False),), None)
    retry_trace = tuple(observed(b, b <= 3) for b in (1, 512, 256, 128, 64, 32, 16, 8, 4, 2, 3))
    retry = SearchResult("exponential", 3, 11, tuple(o.batch_size for o in retry_trace),
                         retry_trace, None, binary_search_from=2)  # fmt: skip
    merged = _merge(first, retry)
    assert merged.trace[merged.binary_search_from].batch_size == 256
