"""Exact memory facts of msmodeling's Qwen3-32B (serving model §2.2, §2.3), and the seed's
pitfall 3. The run-by-run calibration against msmodeling is in tests/calibration/."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import Simulator, sweep
from simulator.memory import kv_bytes_per_token
from tests.simulator.calibration import KV_BYTES_PER_TOKEN, main_deployment


def largest_feasible(result) -> int:
    return int(result.batch_size[result.feasible].max())


def test_weights_at_tp8_match_the_byte_count() -> None:
    assert Simulator(main_deployment(8)).weight_bytes == pytest.approx(5_673_330_944, abs=1024)


@pytest.mark.parametrize(("tp", "expected"), sorted(KV_BYTES_PER_TOKEN.items()))
def test_kv_bytes_per_token_exact(tp: int, expected: int) -> None:
    deployment = main_deployment(tp, num_devices=max(8, tp))
    assert kv_bytes_per_token(deployment) == expected


def test_int8_kv_halves_the_bytes() -> None:
    assert kv_bytes_per_token(main_deployment(8, quantize_attention_action="INT8")) == 16_384


def test_seed_pitfall_3_linear_estimate_is_conservative() -> None:
    """At TP=8 compiled, the two-point line from batches 1 and 512 undershoots; x1.5 overshoots."""
    deployment = main_deployment(8, True, tpot_limit_ms=50)
    result = sweep(deployment, np.arange(1, 1025))
    boundary = largest_feasible(result)
    tpot_1, tpot_512 = result.tpot_ms[0], result.tpot_ms[511]
    slope = (tpot_512 - tpot_1) / 511
    linear = 1 + (50 - tpot_1) / slope
    assert linear < boundary < linear * 1.5
