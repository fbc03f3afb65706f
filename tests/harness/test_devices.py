"""Several device profiles in one run (msmodeling's ``--device A B``): the knob in flags and
files, strategies keyed by device, each profile's own deployment, the cross-hardware summary,
and one-device requests exactly as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.errors import SearchbenchError
from harness.optimizer import optimize
from harness.reporting.hardware import cross_hardware, cross_hardware_text
from harness.request import OptimizerRequest, SearchRun
from harness.scenarios import load_scenario
from harness.scenarios.writer import deployment_mapping
from harness.searches import msmodeling
from tests.plugin.helpers import BASELINES, REPO, SCENARIOS, project

A2, A280 = "ATLAS_800_A2_376T_64G", "ATLAS_800_A2_280T_64G"
TWO_DEVICES = "qwen3-8b-2x-a2-376t-280t-two-devices"
DEPLOYMENT = "deployment:\n  model: Qwen/Qwen3-8B\n  num_devices: 2\n  input_length: 1024\n"
DEPLOYMENT += "  output_length: 256\n  tpot_limit_ms: 25\n"


def request(device, **more) -> OptimizerRequest:
    fields = dict(model="Qwen/Qwen3-8B", num_devices=2, input_length=1024, output_length=256)
    return OptimizerRequest(device=device, **{**fields, "tpot_limit_ms": 25, **more})


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args], capture_output=True, text=True, cwd=REPO
    )


def test_one_device_keeps_its_keys_and_deployments() -> None:
    one = request(A2)
    assert one.device == (A2,) and not one.compares_devices
    assert [s.key for s in one.strategies()] == ["TP=1", "TP=2"]
    assert all(s.device is None for s in one.strategies())
    assert one.deployment(one.strategies()[0], 4096).device.name == A2


def test_several_devices_search_every_strategy_on_each_in_the_given_order() -> None:
    both = request((A280, A2))
    keys = [s.key for s in both.strategies()]
    assert keys == [f"{A280},TP=1", f"{A280},TP=2", f"{A2},TP=1", f"{A2},TP=2"]
    names = [both.deployment(s, 4096).device.name for s in both.strategies()]
    assert names == [A280, A280, A2, A2]
    alone = request(A2)
    assert both.deployment(both.strategies()[2], 4096) == alone.deployment(
        alone.strategies()[0], 4096
    )


@pytest.mark.parametrize(
    ("device", "message"),
    [
        ((A2, A2), f"device: {A2} is listed twice"),
        ((), "device: name at least one device profile"),
        ((A2, "H100"), "device: 'H100' is not a device profile"),
    ],
)
def test_a_bad_device_list_is_one_line(device, message: str) -> None:
    with pytest.raises(SearchbenchError, match=message):
        request(device)


def test_every_device_must_hold_the_devices_asked_for() -> None:
    """msmodeling's check_device_targets checks each profile's grid before any run."""
    with pytest.raises(SearchbenchError, match="the device grid of ATLAS_350_425T_84G"):
        request((A2, "ATLAS_350_425T_84G"), num_devices=32).strategies()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--device", A2, A2], f"--device item 2: {A2} is listed twice"),
        (["--device", A2, "H100"], "--device item 2: 'H100' is not allowed"),
        (["--device", "H100"], "--device: 'H100' is not allowed"),
    ],
)
def test_bad_device_flags_are_one_line(flags: list[str], message: str) -> None:
    done = run_cli("optimize", "Qwen/Qwen3-8B", "--input-length", "64", "--output-length", "16",
                   "--tpot-limit", "20", *flags)  # fmt: skip
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_probe_takes_one_device() -> None:
    done = run_cli("probe", "Qwen/Qwen3-8B", "--devices", A2, A280, "--input-length", "64",
                   "--output-length", "16", "--batch-size", "1")  # fmt: skip
    assert done.returncode == 2
    assert "--device: probe runs one deployment, so one device profile; got 2" in done.stderr


@pytest.mark.parametrize(
    "spelling",
    [
        f"  device: [{A2}, {A280}]\n",
        f"  devices: [{A2}, {A280}]\n",
        f"  devices:\n  - {A2}\n  - {A280}\n",
    ],
)
def test_a_file_names_several_devices_either_way(tmp_path: Path, spelling: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(DEPLOYMENT + spelling)
    scenario = load_scenario(path)
    assert scenario.request.device == (A2, A280)
    assert deployment_mapping(scenario.request)["device"] == [A2, A280]


def test_a_file_with_one_device_reads_and_writes_as_before(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(DEPLOYMENT + f"  device: {A2}\n")
    scenario = load_scenario(path)
    assert scenario.request.device == (A2,)
    assert deployment_mapping(scenario.request)["device"] == A2


def test_a_file_with_both_spellings_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(DEPLOYMENT + f"  device: {A2}\n  devices: [{A280}]\n")
    with pytest.raises(SearchbenchError) as info:
        load_scenario(path)
    assert str(info.value) == (
        f"{path}:8: deployment.devices: device is given too; write one of them, device: NAME "
        "or [NAME, ...]"
    )


@pytest.mark.parametrize(
    ("spelling", "message"),
    [
        (f"  devices: [{A2}, {A2}]\n", f":7: deployment.devices[1]: {A2} is listed twice"),
        ("  devices: []\n", ":7: deployment.devices: give at least one"),
        (f"  device: [{A2}, H100]\n", ":7: deployment.device[1]: 'H100' is not allowed"),
    ],
)
def test_a_bad_device_list_in_a_file_names_the_item(tmp_path, spelling, message) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(DEPLOYMENT + spelling)
    with pytest.raises(SearchbenchError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_scenario(path)


def _outcomes(req: OptimizerRequest):
    return optimize(dataclass_replace(req, searches=(SearchRun("exponential"),)))


def dataclass_replace(req, **changes):
    import dataclasses

    return dataclasses.replace(req, **changes)


def test_the_summary_is_each_devices_best_ranked_by_tokens_per_s() -> None:
    outcomes = _outcomes(request((A280, A2), ttft_limit_ms=1500))
    summary = cross_hardware(outcomes, "exponential")
    lines = summary["agg"]
    assert [line.device for line in lines] == [A2, A280]  # faster first, whatever the order
    for line in lines:
        mine = [o for o in outcomes if o.strategy.device == line.device]
        best = max(mine, key=lambda o: o.metrics.tokens_per_s)
        assert line.row.strategy == best.key and line.row.batch_size == best.result.batch_size
    assert lines[0].row.tokens_per_s > lines[1].row.tokens_per_s
    text = cross_hardware_text(summary, "exponential")
    assert text.startswith("Cross-hardware - PD Aggregated")
    assert text.index(A2) < text.index(A280)


def test_a_device_where_nothing_fits_has_no_line() -> None:
    """msmodeling collects no row for a device whose runs found nothing within the limits."""
    req = request(("ATLAS_800_A2_280T_32G_PCIE", A2), model="Qwen/Qwen3-32B", num_devices=1,
                  tpot_limit_ms=100)  # fmt: skip
    summary = cross_hardware(_outcomes(req), "exponential")
    assert [line.device for line in summary["agg"]] == [A2]


def test_disagg_has_a_summary_per_phase() -> None:
    req = request((A2, A280), disagg=True, ttft_limit_ms=1500)
    summary = cross_hardware(_outcomes(req), "exponential")
    assert list(summary) == ["prefill", "decode"]
    text = cross_hardware_text(summary, "exponential")
    assert "PD Disaggregated Prefill" in text and "PD Disaggregated Decode" in text


def test_one_device_has_no_summary() -> None:
    assert cross_hardware(_outcomes(request(A2)), "exponential") == {}


def test_optimize_prints_and_writes_the_summary() -> None:
    flags = ["optimize", "Qwen/Qwen3-8B", "--device", A280, A2, "--num-devices", "1",
             "--input-length", "1024", "--output-length", "256", "--ttft-limit", "1500",
             "--search", "exponential", "two_point"]  # fmt: skip
    text = run_cli(*flags)
    assert text.returncode == 0, text.stderr
    assert "Cross-hardware - PD Aggregated" in text.stdout
    payload = json.loads(run_cli(*flags, "--format", "json").stdout)
    assert [line["device"] for line in payload["cross_hardware"]["agg"]] == [A2, A280]
    one = json.loads(run_cli(*flags[:3], A2, *flags[5:], "--format", "json").stdout)
    assert "cross_hardware" not in one


def test_run_shows_the_summary_of_a_scenario_with_several_devices() -> None:
    done = run_cli("run", f"scenarios/{TWO_DEVICES}.yaml")
    assert done.returncode == 0, done.stderr
    assert "Cross-hardware - PD Aggregated" in done.stdout
    assert f"| {A2},TP=1 " in done.stdout


@pytest.mark.slow
def test_every_stored_baseline_is_unchanged_by_update_baselines(pytester) -> None:
    """A one-device scenario keeps its id, strategy keys and baseline bit for bit: every
    baseline written afresh equals the stored one."""
    ids = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))
    project(pytester, *ids, with_baselines=False)
    result = pytester.runpytest("--update-baselines", "-k", "regression")
    assert result.ret == 0
    for scenario_id in ids:
        stored = (BASELINES / f"{scenario_id}.json").read_bytes()
        written = pytester.path / "baselines" / "search" / f"{scenario_id}.json"
        assert written.read_bytes() == stored, scenario_id


MSMODELING_SCENARIOS = REPO / "tests" / "fixtures" / "msmodeling_scenarios"


@pytest.mark.skipif(
    not os.environ.get(msmodeling.ENVIRONMENT),
    reason=f"set {msmodeling.ENVIRONMENT} to an msmodeling checkout to run its real search code",
)
def test_msmodelings_own_searches_probe_as_our_replicas_on_each_device() -> None:
    """The two-device comparison through the adapter: msmodeling's exponential and
    linear_exponential, strategy by strategy and device by device, probe as ours do
    (``same_probes_as``), and the stored baseline holds."""
    path = MSMODELING_SCENARIOS / f"{TWO_DEVICES}-msmodeling.yaml"
    baselines = MSMODELING_SCENARIOS / "baselines"
    done = run_cli("run", str(path), "--baselines", str(baselines), "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    keys = {row["strategy"] for row in report["rows"]}
    assert keys == {f"{d},TP={tp}" for d in (A2, A280) for tp in (1, 2)}
    assert all(check["passed"] for check in report["checks"])
    rows = {(row["strategy"], row["search"]): row["probe_sequence"] for row in report["rows"]}
    for key in keys:
        assert rows[key, "msmodeling:exponential"] == rows[key, "exponential"]
        assert rows[key, "msmodeling:linear_exponential"] == rows[key, "two_point"]
    answers = [c for c in report["checks"] if c["item"].startswith("answers[")]
    assert len(answers) == 4
    assert all("msmodeling:linear_exponential probes" in c["message"] for c in answers)


def test_device_independent_work_is_done_once(monkeypatch) -> None:
    """The layouts are enumerated once per request, not per device (as msmodeling traces a
    workload once for every profile), and the door keeps one simulator per deployment: every
    search of a strategy shares it, and each device's deployment has its own."""
    from harness import door
    from harness.request import layouts

    calls = []
    enumerate_layouts = door.layouts
    monkeypatch.setattr(
        layouts.door, "layouts", lambda *a: calls.append(a) or enumerate_layouts(*a)
    )
    req = dataclass_replace(
        request((A2, A280, "ATLAS_800_A3_752T_128G_DIE")),
        searches=(SearchRun("exponential"), SearchRun("two_point"), SearchRun("exhaustive")),
    )
    assert len(req.strategies()) == 6 and len(calls) == 1
    door.forget()
    outcomes = optimize(req)
    deployments = {req.deployment(o.strategy, o.max_batched_tokens) for o in outcomes}
    assert len(deployments) == 6
    assert door.simulator.cache_info().misses == len(deployments)
    assert len(calls) == 1


def test_compare_and_history_keep_the_device_in_the_key(tmp_path: Path) -> None:
    done = run_cli("run", f"scenarios/{TWO_DEVICES}.yaml", "--format", "json")
    base = json.loads(done.stdout)
    (tmp_path / "base.json").write_text(done.stdout)
    branch = dict(base, rows=[r for r in base["rows"] if not r["strategy"].startswith(A280)])
    (tmp_path / "branch.json").write_text(json.dumps(branch))
    compared = run_cli("compare", str(tmp_path / "base.json"), str(tmp_path / "branch.json"))
    assert compared.returncode == 1
    assert f"| {A280},TP=1 " in compared.stdout and "FAIL: gone" in compared.stdout
    history = tmp_path / "history"
    for row in base["rows"]:  # the branch spends one probe more on one device's strategy
        row["probes"] += row["strategy"] == f"{A280},TP=1" and row["search"] == "exponential"
    (tmp_path / "branch.json").write_text(json.dumps(base))
    for commit, report in (("a" * 40, "base.json"), ("b" * 40, "branch.json")):
        recorded = run_cli("history", "record", str(tmp_path / report), "--commit", commit,
                           "--date", f"2026-01-0{1 + (commit[0] == 'b')}T00:00:00Z",
                           "--subject", commit[0], "--history", str(history))  # fmt: skip
        assert recorded.returncode == 0, recorded.stderr
    stored = json.loads((history / f"{'a' * 40}.json").read_text())
    assert {r["strategy"] for r in stored["rows"]} >= {f"{A2},TP=1", f"{A280},TP=2"}
    bisected = run_cli("history", "bisect", "probes", TWO_DEVICES, "--strategy", f"{A280},TP=1",
                       "--history", str(history), "--format", "json")  # fmt: skip
    assert bisected.returncode == 0, bisected.stderr
    assert f"{A280},TP=1" in bisected.stdout and A2 not in bisected.stdout
