"""The simulator against msmodeling's reference outputs for Qwen3-32B on TEST_DEVICE."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import Simulator, sweep
from simulator.memory import kv_bytes_per_token
from tests.simulator.calibration import (
    BOUNDARY,
    FORWARDS,
    KV_BYTES_PER_TOKEN,
    WEIGHTS_GIB,
    main_deployment,
)

SWEEP = np.arange(1, 1025)


def largest_feasible(result) -> int:
    return int(result.batch_size[result.feasible].max())


@pytest.mark.parametrize("compile", [False, True], ids=["eager", "compiled"])
@pytest.mark.parametrize("tp", [8, 4, 2, 1])
def test_boundary_matches_msmodeling(tp: int, compile: bool) -> None:
    expected = BOUNDARY[compile][tp]
    got = largest_feasible(sweep(main_deployment(tp, compile, tpot_limit_ms=50), SWEEP))
    tolerance = 1 if tp == 1 else 0.05 * expected
    assert abs(got - expected) <= tolerance, f"TP={tp}: {got} vs msmodeling {expected}"


@pytest.mark.parametrize("tp", [8, 4, 2, 1])
def test_weights_per_rank_within_one_percent(tp: int) -> None:
    got = sweep(main_deployment(tp), [1]).weights_gib[0]
    assert got == pytest.approx(WEIGHTS_GIB[tp], rel=0.01)


def test_weights_at_tp8_match_the_byte_count() -> None:
    assert Simulator(main_deployment(8)).weight_bytes == pytest.approx(5_673_330_944, abs=1024)


@pytest.mark.parametrize(("tp", "expected"), sorted(KV_BYTES_PER_TOKEN.items()))
def test_kv_bytes_per_token_exact(tp: int, expected: int) -> None:
    deployment = main_deployment(tp, num_devices=max(8, tp))
    assert kv_bytes_per_token(deployment) == expected


def test_int8_kv_halves_the_bytes() -> None:
    assert kv_bytes_per_token(main_deployment(8, quantize_attention_action="INT8")) == 16_384


@pytest.mark.parametrize(
    ("tp", "compile", "batch", "query", "seq", "extra", "expected"),
    FORWARDS,
    ids=[f"tp{f[0]}-{'c' if f[1] else 'e'}-b{f[2]}-q{f[3]}-{f[6]}ms" for f in FORWARDS],
)
def test_forward_latency_within_ten_percent(tp, compile, batch, query, seq, extra, expected):
    simulator = Simulator(main_deployment(tp, compile, **extra))
    features = simulator.features(np.array([batch]), query, seq)
    got = simulator.roofline.latency_s(features)[0] * 1e3
    assert got == pytest.approx(expected, rel=0.10)


def test_memory_only_limit_at_tp8_eager() -> None:
    result = sweep(main_deployment(8), np.arange(1, 600))
    got = largest_feasible(result)
    assert got == pytest.approx(375, rel=0.02)
    assert result.reason[got] == "decode_oom"


def test_worked_example_ttft_and_tpot_at_the_boundary() -> None:
    """§1.4: C=124 at TP=8 gives TTFT 17016.46 ms and TPOT 49.91; C=125 fails on TPOT."""
    simulator = Simulator(main_deployment(8, tpot_limit_ms=50))
    at, past = simulator.probe(124), simulator.probe(125)
    assert at.ttft_ms == pytest.approx(17016.46, rel=0.01)
    assert at.tpot_ms == pytest.approx(49.91, rel=0.01)
    assert at.tokens_per_s == pytest.approx(2484.66, rel=0.01)
    assert at.kv_cache_gib == pytest.approx(16.09, abs=0.01)
    assert at.available_gib == pytest.approx(32.62, abs=0.05)
    assert past.reason == "tpot_limit"


def test_seed_pitfall_3_linear_estimate_is_conservative() -> None:
    """At TP=8 compiled, the two-point line from batches 1 and 512 undershoots; x1.5 overshoots."""
    deployment = main_deployment(8, True, tpot_limit_ms=50)
    result = sweep(deployment, np.arange(1, 1025))
    boundary = largest_feasible(result)
    tpot_1, tpot_512 = result.tpot_ms[0], result.tpot_ms[511]
    slope = (tpot_512 - tpot_1) / 511
    linear = 1 + (50 - tpot_1) / slope
    assert linear < boundary < linear * 1.5
