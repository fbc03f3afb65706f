"""Length distributions: msmodeling's representatives, allocation, chunk plan and mixed cost."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator import Deployment, Lengths, SimulatorInputError, probe, sweep
from simulator.lengths import Piece
from simulator.numbers import SCALAR
from simulator.phases.forwards import Forwards
from simulator.phases.mixed import MixedPrefill, mixed_features

CHAT_RAG = Lengths.of([(100, 700, 0.5), (700, 2000, 0.3), (2000, 5000, 0.2)])


def test_representatives_are_floor_mid_points_less_the_cached_floor() -> None:
    rows = CHAT_RAG.representatives(0.3)
    assert [r.num_input_tokens for r in rows] == [400, 1350, 3500]
    assert [r.query_len for r in rows] == [400 - 120, 1350 - 405, 3500 - 1050]
    assert math.isclose(sum(r.request_ratio for r in rows), 1.0)
    # weights need not sum to 1: they are shares of their total
    doubled = Lengths.of([(b.min_tokens, b.max_tokens, 2 * b.weight) for b in CHAT_RAG.bins])
    assert doubled.representatives(0.0) == CHAT_RAG.representatives(0.0)


def test_effective_length_is_the_floor_of_the_mean_query() -> None:
    assert CHAT_RAG.effective_length(0.0) == math.floor(0.5 * 400 + 0.3 * 1350 + 0.2 * 3500)


@pytest.mark.parametrize("concurrency", [1, 2, 3, 7, 10, 64, 333])
def test_samples_sum_to_the_concurrency_by_largest_remainder(concurrency) -> None:
    samples = CHAT_RAG.samples(concurrency, 0.0)
    assert sum(n for _, n in samples) == concurrency
    for row, n in samples:
        assert abs(n - concurrency * row.request_ratio) < 1


def test_ties_in_the_remainder_go_to_the_longer_query() -> None:
    even = Lengths.of([(0, 100, 1.0), (100, 300, 1.0)])
    assert [(r.num_input_tokens, n) for r, n in even.samples(1, 0.0)] == [(200, 1)]


def test_the_chunk_plan_packs_requests_in_bin_order_up_to_the_budget() -> None:
    lengths = Lengths.of([(0, 200, 0.5), (200, 1000, 0.5)])  # 100 and 600 tokens
    plan = lengths.chunks(4, 0.0, 500)
    assert [sum(p.count * p.query_len for p in chunk) for chunk in plan] == [500, 500, 400]
    assert plan[0] == [Piece(2, 100, 100, True), Piece(1, 300, 300, False)]
    assert plan[1] == [Piece(1, 300, 600, True), Piece(1, 200, 200, False)]
    assert plan[2] == [Piece(1, 400, 600, True)]


@pytest.mark.parametrize(
    "bins, words",
    [
        ([], "at least one bin"),
        ([(-1, 10, 1.0)], "bin 0 (-1..10, weight 1.0): min_tokens must be >= 0"),
        ([(10, 10, 1.0)], "max_tokens must be > min_tokens"),
        ([(0, 10, 0.0)], "weight must be > 0"),
        ([(0, 10, 1.0), (5, 20, 1.0)], "bin 1 (5..20, weight 1.0): overlaps"),
        ([(100, 200, 1.0), (0, 150, 1.0)], "bin 1 (100..200, weight 1.0): overlaps"),
    ],
)
def test_bins_are_checked_as_msmodeling_checks_them(bins, words) -> None:
    with pytest.raises(SimulatorInputError, match=r"^input_length: ") as info:
        Lengths.of(bins)
    assert words in str(info.value)


def _dep(phase: str, **kw) -> Deployment:
    return Deployment.create(
        "Qwen/Qwen3-8B",
        num_devices=2,
        tp=2,
        input_length=CHAT_RAG,
        output_length=500,
        phase=phase,
        ttft_limit_ms=2000,
        **kw,
    )


def test_a_mixed_forward_costs_its_groups_features_summed() -> None:
    dep = _dep("prefill")
    forwards = Forwards(dep)
    pieces = [Piece(3, 400, 400, True), Piece(1, 700, 1350, False)]
    f = mixed_features(pieces)
    assert f.tokens == 3 * 400 + 700
    assert f.rows == 4
    assert f.attn_qs == 3 * 400 * 400 + 700 * 1350
    assert f.kv_read == 3 * 400 + 1350
    cost = MixedPrefill(dep, forwards, CHAT_RAG).cost(pieces)
    alone = forwards.costs(SCALAR, [(3, 400, 400)])[0]
    assert cost.latency_ms > alone.latency_ms
    assert cost.kv_bytes > alone.kv_bytes


def test_a_single_bin_prefill_equals_the_fixed_length_full_prefill() -> None:
    """One bin whose mid point is L, under a budget that holds the wave, costs what a
    fixed-length prompt of L costs: one forward of the same shape."""
    one = Lengths.of([(1000, 1048, 1.0)])  # mid point 1024
    fixed = Deployment.create(
        "Qwen/Qwen3-8B", num_devices=2, tp=2, input_length=1024, output_length=500,
        phase="prefill", ttft_limit_ms=2000, max_batched_tokens=8192,
    )  # fmt: skip
    mixed = Deployment.create(
        "Qwen/Qwen3-8B", num_devices=2, tp=2, input_length=one, output_length=500,
        phase="prefill", ttft_limit_ms=2000, max_batched_tokens=8192,
    )  # fmt: skip
    for batch in (1, 4, 8):
        a, b = probe(fixed, batch), probe(mixed, batch)
        assert math.isclose(a.ttft_ms, b.ttft_ms, rel_tol=1e-9)
        assert math.isclose(a.kv_cache_gib, b.kv_cache_gib, rel_tol=1e-9)


@pytest.mark.parametrize("phase", ["prefill", "agg"])
def test_a_sweep_equals_its_probes(phase) -> None:
    dep = _dep(phase)
    batches = np.array([1, 2, 3, 17, 64, 71, 72])
    rows = sweep(dep, batches)
    for i, b in enumerate(batches):
        one = probe(dep, int(b))
        assert rows.ttft_ms[i] == one.ttft_ms
        assert rows.feasible[i] == one.feasible
        assert rows.kv_cache_gib[i] == one.kv_cache_gib


def test_agg_decodes_at_half_the_output_plus_the_mean_prefill() -> None:
    dep = _dep("agg", prefix_cache_hit_rate=0.5)
    from simulator.phases.decode import DecodeStep

    assert DecodeStep(dep).seq == 250 + CHAT_RAG.effective_length(0.5) + 1


def test_disagg_decode_refuses_a_distribution() -> None:
    with pytest.raises(SimulatorInputError, match=r"input_length: .*not disagg decode"):
        Deployment.create("Qwen/Qwen3-8B", input_length=CHAT_RAG, output_length=10, phase="decode")


def test_the_automatic_budget_scales_the_mean_prefill_length() -> None:
    assert _dep("prefill").effective_max_batched_tokens == 4 * CHAT_RAG.effective_length(0.0)


def test_an_overflowing_prefill_of_several_query_lengths_keeps_a_tenth_of_its_activation() -> None:
    """msmodeling's _check_peak_memory_usage_gb: only where the forward overflows and its
    prefill requests' query lengths differ."""
    dep = _dep("prefill", max_batched_tokens=4_000_000)
    forwards = Forwards(dep)
    mixed = MixedPrefill(dep, forwards, CHAT_RAG)
    big = [Piece(1, 2_000_000, 2_000_000, True), Piece(1, 1_000_000, 1_000_000, True)]
    raw = forwards.mixed_memory(3_000_000, 3_000_000, 2, False)
    assert raw[2] < 0  # the plain estimate overflows
    cost = mixed.cost(big)
    assert cost.kv_bytes == raw[0]
    assert math.isclose(cost.activation_bytes, 0.1 * raw[1], rel_tol=1e-12)
    assert math.isclose(cost.left_bytes, raw[2] + raw[1] - cost.activation_bytes, rel_tol=1e-12)
    even = mixed.cost([Piece(2, 1_500_000, 1_500_000, True)])  # one query length: no rule
    assert math.isclose(even.activation_bytes, raw[1], rel_tol=1e-12)
    small = [Piece(3, 400, 400, True), Piece(1, 700, 1350, False)]  # fits: no rule
    fits = mixed.cost(small)
    tokens, rows, context = 3 * 400 + 700, 4, 3 * 400 + 1350
    assert fits.activation_bytes == forwards.mixed_memory(context, tokens, rows, False)[1]
