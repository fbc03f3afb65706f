"""The MoE cost model against msmodeling: every row of its Qwen3-30B-A3B run, and single forwards
on other devices, device counts, MoE-DP and Qwen3-235B-A22B."""

from __future__ import annotations

import json

import numpy as np
import pytest

from simulator import Deployment, Simulator, sweep
from simulator.models import BUNDLED_MODELS, CONFIG_DIR
from tests.simulator.calibration_moe import (
    FORWARDS,
    MODEL,
    REFERENCE,
    UNSEEN_PROBES,
    UNSEEN_REPORTED_BATCH,
    UNSEEN_SETTINGS,
    MoEForward,
    deployment,
)

SWEEP = np.arange(1, 1025)


@pytest.mark.parametrize("reference", REFERENCE, ids=lambda r: r.id)
def test_boundary_within_five_percent_or_one_batch(reference) -> None:
    result = sweep(deployment(reference), SWEEP)
    feasible = result.batch_size[result.feasible]
    if reference.boundary is None:
        assert feasible.size == 0, f"msmodeling drops {reference.id}; ours fits {feasible[:5]}"
        return
    got = int(feasible.max())
    tolerance = max(0.05 * reference.boundary, 1)
    assert abs(got - reference.boundary) <= tolerance, f"{got} vs msmodeling {reference.boundary}"


@pytest.mark.parametrize("reference", REFERENCE, ids=lambda r: r.id)
def test_latencies_at_the_reported_batch_within_ten_percent(reference) -> None:
    row = Simulator(deployment(reference)).probe(reference.batch or 1)
    assert row.tpot_ms == pytest.approx(reference.tpot_ms, rel=0.10)
    if reference.ttft_ms is not None:
        assert row.ttft_ms == pytest.approx(reference.ttft_ms, rel=0.10)


@pytest.mark.parametrize("reference", REFERENCE, ids=lambda r: r.id)
def test_weights_per_device_within_two_percent(reference) -> None:
    row = Simulator(deployment(reference)).probe(1)
    assert row.weights_gib == pytest.approx(reference.weights_gib, rel=0.02)


@pytest.fixture(scope="module")
def one_layer_models(tmp_path_factory) -> dict[str, str]:
    """One-layer copies of the bundled MoE configs, as msmodeling's layer override runs them."""
    folder = tmp_path_factory.mktemp("one-layer")
    paths = {}
    for model in {f.model for f in FORWARDS}:
        config = json.loads((CONFIG_DIR / BUNDLED_MODELS[model]).read_text())
        config["num_hidden_layers"] = 1
        path = folder / f"{model.split('/')[-1]}.json"
        path.write_text(json.dumps(config))
        paths[model] = str(path)
    return paths


@pytest.mark.parametrize("forward", FORWARDS, ids=lambda f: f.id)
def test_single_forward_within_two_percent(forward: MoEForward, one_layer_models) -> None:
    simulator = Simulator(
        Deployment.create(
            one_layer_models[forward.model],
            device=forward.device,
            num_devices=forward.tp * forward.dp,
            tp=forward.tp,
            ep=forward.ep,
            moe_dp=forward.moe_dp,
            compile=forward.compiled,
            input_length=forward.query,
            output_length=2,
        )
    )
    rank_batch = -(-forward.queries // forward.dp)
    features = simulator.features(
        np.array([rank_batch]), forward.query, forward.context + forward.query
    )
    got = simulator.roofline.latency_s(features)[0] * 1e3
    assert got == pytest.approx(forward.ms, rel=0.02)


def test_steep_concave_decode_of_ep2() -> None:
    """TP1 EP2: TPOT 31 -> 53 -> 97 -> 182 ms for batch 1, 2, 4, 8, then nearly flat."""
    reference = next(r for r in REFERENCE if (r.tp, r.ep) == (1, 2))
    result = Simulator(deployment(reference)).sweep([1, 2, 4, 8, 16])
    expected = [31.021, 52.951, 96.811, 182.297, 189.237]
    assert result.tpot_ms == pytest.approx(expected, rel=0.02)


def test_unseen_a3_run_probe_by_probe() -> None:
    """Every probe of an msmodeling run on a device, size and layout the model was not fitted on."""
    deployment = Deployment.create(MODEL, **UNSEEN_SETTINGS)
    batches = [batch for batch, *_ in UNSEEN_PROBES]
    result = Simulator(deployment).sweep(batches)
    for index, (batch, ttft_ms, tpot_ms, stopped) in enumerate(UNSEEN_PROBES):
        assert result.ttft_ms[index] == pytest.approx(ttft_ms, rel=0.01), batch
        assert result.tpot_ms[index] == pytest.approx(tpot_ms, rel=0.01), batch
        assert bool(result.feasible[index]) is not stopped, batch
    assert result.batch_size[result.feasible].max() == UNSEEN_REPORTED_BATCH
