"""Length distributions: msmodeling's representatives, allocation, chunk plan and mixed cost."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import Deployment, Lengths, SimulatorInputError, probe, sweep
from simulator.chunk_plan import ChunkPlan
from simulator.numbers import SCALAR
from simulator.phases.forwards import Forwards
from simulator.phases.mixed import MixedPrefill

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


def _pieces(query_lens: list[int], budget: int) -> list[list[tuple[int, int, bool]]]:
    """msmodeling's get_prefill_chunk_plan, replayed request by request: each chunk's parts
    as (new tokens, sequence so far, ends the request)."""
    chunks, room = [[]], budget
    for query in query_lens:
        done = 0
        while done < query:
            if room == 0:
                chunks.append([])
                room = budget
            part = min(query - done, room)
            done += part
            room -= part
            chunks[-1].append((part, done, done == query))
    return chunks


def test_the_chunk_plan_packs_requests_in_bin_order_up_to_the_budget() -> None:
    lengths = Lengths.of([(0, 200, 0.5), (200, 1000, 0.5)])  # 100 and 600 tokens
    plan = lengths.plan(4, 0.0, 500)
    assert plan.tokens.tolist() == [500, 500, 400]
    assert plan.rows.tolist() == [3, 2, 1]  # 100, 100, 300 of 600 | 300 of 600, 200 | 400
    assert plan.finished.tolist() == [2, 1, 1]
    assert plan.kv_read.tolist() == [100 + 100 + 300, 600 + 200, 600]
    assert plan.attn_qs.tolist() == [2 * 100 * 100 + 300 * 300, 300 * 600 + 200 * 200, 400 * 600]
    assert plan.longest.tolist() == [300, 600, 600]
    assert plan.mixed.tolist() == [True, True, False]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(1, 3000), min_size=1, max_size=40),
    st.integers(1, 5000),
)
def test_the_plan_sums_what_a_request_by_request_replay_cuts(query_lens, budget) -> None:
    plan = ChunkPlan.of_requests(query_lens, budget)
    chunks = _pieces(query_lens, budget)
    assert len(plan) == len(chunks)
    for i, parts in enumerate(chunks):
        assert plan.tokens[i] == sum(p for p, _, _ in parts)
        assert plan.rows[i] == len(parts)
        assert plan.attn_qs[i] == sum(p * s for p, s, _ in parts)
        assert plan.kv_read[i] == sum(s for _, s, _ in parts)
        assert plan.prefill_tokens[i] == sum(p for p, _, _ in parts if p >= 6)
        assert plan.prefill_qs[i] == sum(p * s for p, s, _ in parts if p >= 6)
        assert plan.prefill_rows[i] == sum(1 for p, _, _ in parts if p >= 6)
        assert plan.finished[i] == sum(1 for _, _, last in parts if last)
        assert plan.longest[i] == max(s for _, s, _ in parts)
        assert plan.mixed[i] == (len({p for p, _, _ in parts}) > 1)


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
    plan = ChunkPlan.of_requests([400, 1350], 1900, counts=[3, 1])  # 3 x 400, 700 of 1350
    f = plan.features()
    assert f.tokens[0] == 3 * 400 + 700
    assert f.rows[0] == 4
    assert f.attn_qs[0] == 3 * 400 * 400 + 700 * 700
    assert f.kv_read[0] == 3 * 400 + 700
    cost = MixedPrefill(dep, forwards, CHAT_RAG).costs(plan)
    alone = forwards.costs(SCALAR, [(3, 400, 400)])[0]
    assert cost.latency_ms[0] > alone.latency_ms
    assert cost.kv_bytes[0] > alone.kv_bytes


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
    raw = forwards.mixed_memory(
        np.array([3_000_000]), np.array([3e6]), np.array([2]), np.array([False])
    )
    assert raw[2][0] < 0  # the plain estimate overflows
    big = mixed.costs(ChunkPlan.of_requests([2_000_000, 1_000_000], 4_000_000))
    assert big.kv_bytes[0] == raw[0][0]
    assert math.isclose(big.activation_bytes[0], 0.1 * raw[1][0], rel_tol=1e-12)
    assert math.isclose(
        big.left_bytes[0], raw[2][0] + raw[1][0] - big.activation_bytes[0], rel_tol=1e-12
    )
    even = mixed.costs(ChunkPlan.of_requests([1_500_000], 4_000_000, counts=[2]))
    assert math.isclose(even.activation_bytes[0], raw[1][0], rel_tol=1e-12)  # one length: no rule
    fits = mixed.costs(ChunkPlan.of_requests([400, 1350], 1900, counts=[3, 1]))  # fits: no rule
    tokens, rows, context = 3 * 400 + 700, 4, 3 * 400 + 700
    plain = forwards.mixed_memory(
        np.array([context]), np.array([float(tokens)]), np.array([rows]), np.array([False])
    )
    assert fits.activation_bytes[0] == plain[1][0]
