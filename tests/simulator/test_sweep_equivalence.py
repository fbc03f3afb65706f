"""The vectorized sweep is the scalar probe, element for element, in every mode."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import Deployment, Simulator
from tests.simulator.calibration import main_deployment
from tests.simulator.calibration_deepseek import deployment as deepseek

DEPLOYMENTS = {
    "agg-eager-tp8": main_deployment(8, tpot_limit_ms=50),
    "agg-compiled-tp2": main_deployment(2, True, tpot_limit_ms=50, ttft_limit_ms=20_000),
    "agg-int8kv-tp4": main_deployment(4, quantize_attention_action="INT8"),
    "disagg-prefill": main_deployment(4, phase="prefill", ttft_limit_ms=5_000),
    "disagg-decode": main_deployment(8, phase="decode", tpot_limit_ms=40),
    "disagg-chunked-prefill": main_deployment(
        2,
        phase="prefill",
        ttft_limit_ms=20_000,
        max_batched_tokens=1000,
        prefix_cache_hit_rate=0.25,
        serving_cost_ms=7.5,
    ),
    "disagg-chunked-prefill-oom": main_deployment(
        2, phase="prefill", max_batched_tokens=1024, reserved_memory_gb=46
    ),
    "moe-ep": Deployment.create(
        "Qwen/Qwen3-30B-A3B",
        num_devices=8,
        tp=2,
        ep=4,
        input_length=2048,
        output_length=512,
        tpot_limit_ms=60,
    ),
    **{
        f"moe-tp{tp}-ep{ep}-dp{moe_dp}-{'c' if compiled else 'e'}": Deployment.create(
            "Qwen/Qwen3-30B-A3B",
            num_devices=8,
            tp=tp,
            ep=ep,
            moe_dp=moe_dp,
            compile=compiled,
            input_length=2000,
            output_length=1000,
            tpot_limit_ms=50,
        )
        for tp, ep, moe_dp, compiled in (
            (1, 1, 1, False),
            (1, 2, 1, False),
            (8, 4, 1, True),
            (1, 8, 1, True),
            (4, 2, 1, True),
            (1, 2, 2, False),
        )
    },
    "llama-bf16-a2": Deployment.create(
        "meta-llama/Llama-3.1-8B",
        device="ATLAS_800_A2_313T_64G",
        num_devices=2,
        tp=2,
        input_length=1024,
        output_length=256,
        quantize_linear_action="DISABLED",
    ),
    "prefill-oom": main_deployment(1, reserved_memory_gb=31.5),
    **{
        f"deepseek-mtp{mtp}-{'c' if compiled else 'e'}": deepseek(
            compile=compiled,
            ttft_limit_ms=30_000,
            num_mtp_tokens=mtp,
            enable_shared_expert_tp=not compiled,
        )
        for mtp, compiled in ((0, True), (2, True), (1, False))
    },
}


@pytest.mark.parametrize("name", list(DEPLOYMENTS))
def test_sweep_rows_equal_single_probes(name: str) -> None:
    simulator = Simulator(DEPLOYMENTS[name])
    batches = np.arange(1, 2049)
    rows = simulator.sweep(batches)
    for index in [*range(0, 64), *range(64, 2048, 37), 2047]:
        assert simulator.probe(int(batches[index])) == rows.row(index), f"batch {index + 1}"


def test_sweep_order_does_not_matter() -> None:
    simulator = Simulator(DEPLOYMENTS["agg-eager-tp8"])
    batches = np.array([700, 3, 125, 1, 124, 4096, 2])
    shuffled = simulator.sweep(batches)
    for index, batch in enumerate(batches):
        assert shuffled.row(index) == simulator.probe(int(batch))


def test_fresh_simulators_agree() -> None:
    deployment = DEPLOYMENTS["agg-compiled-tp2"]
    assert Simulator(deployment).probe(37) == Simulator(deployment).probe(37)


def test_prefill_oom_reports_infinite_latency_and_no_decode() -> None:
    row = Simulator(DEPLOYMENTS["prefill-oom"]).probe(1)
    assert row.reason == "prefill_oom"
    assert row.ttft_ms == float("inf") and row.tpot_ms == float("inf")
    assert row.decode_ms is None
    assert row.available_gib < 0
