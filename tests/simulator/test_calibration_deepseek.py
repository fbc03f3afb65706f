"""DeepSeek-V3 (MLA, shared and routed experts, dense first layers, MTP) against msmodeling."""

from __future__ import annotations

import json

import numpy as np
import pytest

from harness.searches import get_search, make_params, run_search
from harness.searches.base import SearchContext
from simulator import Deployment, Simulator
from simulator.models import CONFIG_DIR
from tests.simulator.calibration_deepseek import (
    FORWARDS,
    OTHER_RUNS,
    RUNS,
    SETTINGS,
    Forward,
    OtherRun,
    Run,
    deployment,
)

GIB = 2**30


@pytest.fixture(scope="module", params=RUNS, ids=lambda run: run.id)
def run(request) -> Run:
    return request.param


@pytest.fixture(scope="module")
def simulator(run: Run) -> Simulator:
    return Simulator(run.deployment())


def test_every_probe_within_half_a_percent_with_msmodelings_verdict(run, simulator) -> None:
    for batch, ttft, tpot, available, stop in run.probes:
        row = simulator.probe(batch)
        assert row.ttft_ms == pytest.approx(ttft, rel=0.005), batch
        assert row.tpot_ms == pytest.approx(tpot, rel=0.005), batch
        # msmodeling's memory columns wander between runs (its batch-36 probe reports 0.1 GiB
        # less activation than its neighbours); the verdict must not.
        assert row.available_gib == pytest.approx(available, abs=0.15), batch
        assert row.reason == stop, batch


def test_boundary_within_five_percent_or_one_batch(run, simulator) -> None:
    result = simulator.sweep(np.arange(1, 513))
    got = int(result.batch_size[result.feasible].max())
    assert abs(got - run.boundary) <= max(0.05 * run.boundary, 1)
    assert got == run.boundary


def test_weights_within_two_percent(run, simulator) -> None:
    assert simulator.probe(1).weights_gib == pytest.approx(run.weights_gib, rel=0.02)
    assert simulator.probe(1).weights_gib == pytest.approx(run.weights_gib, abs=0.002)


def test_kv_per_request_within_five_percent(run, simulator) -> None:
    row = simulator.probe(run.boundary)
    assert row.kv_cache_gib / run.boundary == pytest.approx(
        run.kv_gib_at_boundary / run.boundary, rel=0.05
    )


@pytest.mark.parametrize("name", ["exponential", "two_point"])
def test_search_sequences_are_msmodelings(run, simulator, name) -> None:
    spec = get_search(name)
    target = _Target(simulator)
    result = run_search(spec, target, make_params(spec), SearchContext(80.0))
    expected = run.exponential if name == "exponential" else run.linear_exponential
    assert result.sequence == expected
    assert result.batch_size == run.boundary


def test_mtp_trades_memory_for_tpot() -> None:
    """The MTP block costs ~3 GiB per die and the fold cuts TPOT by ~45% at the same batch."""
    without, with_mtp = (Simulator(r.deployment()) for r in RUNS)
    assert with_mtp.weight_bytes - without.weight_bytes == pytest.approx(3.009 * GIB, rel=0.01)
    assert with_mtp.probe(21).tpot_ms / without.probe(21).tpot_ms == pytest.approx(0.568, rel=0.01)


@pytest.mark.parametrize("forward", FORWARDS, ids=lambda f: f.name)
def test_single_forward_within_one_percent(forward: Forward, tmp_path) -> None:
    config = json.loads((CONFIG_DIR / "deepseek_v3.json").read_text())
    config.update(num_hidden_layers=forward.layers, first_k_dense_replace=forward.first_dense)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    settings = {k: v for k, v in SETTINGS.items() if k not in ("tpot_limit_ms", "compile")}
    simulator = Simulator(
        Deployment.create(
            str(path),
            **settings,
            num_mtp_tokens=forward.mtp,
            enable_shared_expert_tp=forward.shared_expert_tp,
            compile=forward.compiled,
        )
    )
    features = simulator.features(
        np.array([forward.rank_batch]), forward.query, forward.context + forward.query
    )
    got = simulator.roofline.latency_s(features)[0] * 1e3
    assert got == pytest.approx(forward.ms, rel=0.01)


class _Target:
    """The simulator behind the probe interface, as the optimizer wires it."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator

    def __call__(self, batch_size: int):
        return self.simulator.probe(batch_size)


@pytest.mark.parametrize("budget", [4096, 2048, 1024])
def test_tp2_leaves_no_room_as_msmodeling_finds(budget: int) -> None:
    """msmodeling drops DeepSeek-V3 at TP=2 x EP=16 (1024/512, MTP=1) with a prefill OOM at
    batch 1 for each automatic token budget it tries; an unseen layout for the model."""
    simulator = Simulator(
        deployment(
            tp=2,
            input_length=1024,
            output_length=512,
            tpot_limit_ms=60.0,
            num_mtp_tokens=1,
            mtp_acceptance_rates=(0.8, 0.5),
            max_batched_tokens=budget,
        )
    )
    assert simulator.probe(1).reason == "prefill_oom"


@pytest.mark.parametrize("other", OTHER_RUNS, ids=lambda run: run.name)
def test_other_layouts_probe_by_probe(other: OtherRun) -> None:
    """Other layouts, lengths, limits and acceptance rates: every probe, the reported row."""
    simulator = Simulator(deployment(**other.settings))
    for batch, ttft, tpot, stop in other.probes:
        row = simulator.probe(batch)
        assert row.ttft_ms == pytest.approx(ttft, rel=0.005), batch
        assert row.tpot_ms == pytest.approx(tpot, rel=0.005), batch
        assert row.reason == stop, batch
    result = simulator.sweep(np.arange(1, 513))
    assert int(result.batch_size[result.feasible].max()) == other.batch
    row = simulator.probe(other.batch)
    assert row.weights_gib == pytest.approx(other.weights_gib, rel=0.02)
    assert row.kv_cache_gib == pytest.approx(other.kv_gib, rel=0.05)
    assert row.tokens_per_s == pytest.approx(other.tokens_per_s, rel=0.01)
