"""The prefix cache and the serving cost, as msmodeling's optimizers apply them: what a prefill
computes, what decode still sees, and the fixed latency of each disaggregated phase."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator import Deployment, Simulator, SimulatorInputError

BASE = dict(model="Qwen/Qwen3-8B", num_devices=2, tp=2, output_length=500)


def _dep(**fields) -> Deployment:
    return Deployment.create(**{**BASE, "input_length": 4000, **fields})


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.3, 0.5, 0.77, 0.999])
def test_prefill_computes_msmodelings_effective_input(rate: float) -> None:
    dep = _dep(prefix_cache_hit_rate=rate)
    assert dep.prefill_length == 4000 - math.floor(4000 * rate)
    prefill, decode = Simulator(dep).forwards_of(3)
    assert (prefill.query_len, prefill.seq_len) == (dep.prefill_length, dep.prefill_length)
    assert decode.decode and decode.seq_len == 500 // 2 + 4000 + 1


def test_a_cached_prompt_prefills_as_the_shorter_prompt_and_decodes_as_the_whole() -> None:
    """Same prefill waves as a 2000-token prompt (the budget stays 4 x the raw input, as
    msmodeling's automatic candidates do), same decode step as the uncached prompt."""
    cached = Simulator(_dep(prefix_cache_hit_rate=0.5, max_batched_tokens=16000))
    short = Simulator(_dep(input_length=2000, max_batched_tokens=16000))
    whole = Simulator(_dep(max_batched_tokens=16000))
    batches = np.arange(1, 400, 7)
    ours, theirs = cached.sweep(batches), short.sweep(batches)
    assert np.array_equal(ours.prefill_wave_ms, theirs.prefill_wave_ms, equal_nan=True)
    assert np.array_equal(ours.decode_ms, whole.sweep(batches).decode_ms)
    assert not np.array_equal(ours.decode_ms, theirs.decode_ms)


def test_the_automatic_budget_follows_the_raw_input() -> None:
    assert _dep(prefix_cache_hit_rate=0.5).effective_max_batched_tokens == 16000


def test_chunking_is_decided_on_the_prefill_length() -> None:
    """4000 tokens at a 0.5 hit rate prefill 2000: one chunk at a 2048 budget, two at 1024."""
    whole = Simulator(_dep(prefix_cache_hit_rate=0.5, max_batched_tokens=2048)).forwards_of(4)
    assert [s.query_len for s in whole if not s.decode] == [2000]
    chunked = Simulator(_dep(prefix_cache_hit_rate=0.5, max_batched_tokens=1024))
    prefills = {(s.query_len, s.seq_len) for s in chunked.forwards_of(4) if not s.decode}
    assert prefills == {(1024, 1024), (976, 2000)}


def test_disagg_prefill_chunks_the_prefill_length() -> None:
    """msmodeling's disagg chunk plan splits the effective input: 2000 tokens at a 1500
    budget run as a (1500, 1500) chunk then a (500, 2000) one; at 2000, as one wave."""
    chunked = Simulator(_dep(prefix_cache_hit_rate=0.5, max_batched_tokens=1500, phase="prefill"))
    assert [(s.query_len, s.seq_len) for s in chunked.forwards_of(1)] == [(1500, 1500), (500, 2000)]
    whole = Simulator(_dep(prefix_cache_hit_rate=0.5, max_batched_tokens=2000, phase="prefill"))
    assert [(s.query_len, s.seq_len) for s in whole.forwards_of(1)] == [(2000, 2000)]


@pytest.mark.parametrize("rate", [1.0, -0.01, 1.5, float("nan"), True, "0.5"])
def test_a_hit_rate_outside_zero_to_one_is_refused(rate) -> None:
    with pytest.raises(SimulatorInputError, match=r"\[0, 1\)") as raised:
        _dep(prefix_cache_hit_rate=rate)
    assert raised.value.field == "prefix_cache_hit_rate"


@pytest.mark.parametrize("cost", [-1.0, float("inf"), float("nan"), True, "5"])
def test_a_negative_or_infinite_serving_cost_is_refused(cost) -> None:
    with pytest.raises(SimulatorInputError) as raised:
        _dep(serving_cost_ms=cost)
    assert raised.value.field == "serving_cost_ms"


def test_serving_cost_delays_every_disagg_prefill_finish() -> None:
    """msmodeling starts the phase's latency at the serving cost: TTFT (a mean of finishing
    times, or the partial phase when a wave runs out of memory) and the phase both carry it."""
    fields = dict(phase="prefill", ttft_limit_ms=1e9, max_batched_tokens=8000)
    plain = Simulator(_dep(**fields)).sweep(np.arange(1, 300))
    costly = Simulator(_dep(serving_cost_ms=20.0, **fields)).sweep(np.arange(1, 300))
    assert np.allclose(costly.ttft_ms, plain.ttft_ms + 20.0, rtol=0, atol=1e-9)
    phase = 4000 * plain.concurrency / plain.tokens_per_s * 1000.0
    assert np.allclose(4000 * costly.concurrency / costly.tokens_per_s * 1000.0, phase + 20.0)
    assert np.array_equal(costly.available_gib, plain.available_gib)


def test_serving_cost_joins_the_decode_step_before_the_mtp_fold() -> None:
    fields = dict(
        model="deepseek-ai/DeepSeek-V3",
        device="ATLAS_800_A3_752T_128G_DIE",
        num_devices=16,
        tp=1,
        ep=16,
        input_length=2000,
        output_length=1000,
        phase="decode",
        tpot_limit_ms=1e9,
        num_mtp_tokens=1,
    )
    plain = Deployment.create(**fields)
    costly = Deployment.create(**fields, serving_cost_ms=5.0)
    fold = plain.tokens_per_decode_step
    assert fold == pytest.approx(1.9)
    for batch in (1, 16, 64):
        step = Simulator(plain).probe(batch).tpot_ms * fold
        assert Simulator(costly).probe(batch).tpot_ms == pytest.approx((step + 5.0) / fold)


def test_agg_ignores_the_serving_cost_as_msmodeling_does() -> None:
    batches = np.arange(1, 200, 3)
    plain = Simulator(_dep(tpot_limit_ms=50.0)).sweep(batches)
    costly = Simulator(_dep(tpot_limit_ms=50.0, serving_cost_ms=30.0)).sweep(batches)
    assert np.array_equal(plain.tpot_ms, costly.tpot_ms)
    assert np.array_equal(plain.ttft_ms, costly.ttft_ms)


def test_a_prefill_ttft_bound_accounts_for_the_serving_cost() -> None:
    """No batch above the bound meets the TTFT limit; with a cost the bound moves down."""
    fields = dict(phase="prefill", ttft_limit_ms=3000.0, max_batched_tokens=8000)
    for cost in (0.0, 500.0, 2990.0, 5000.0):
        simulator = Simulator(_dep(serving_cost_ms=cost, **fields))
        bound = simulator.infeasible_above()
        beyond = simulator.sweep(np.arange(bound + 1, bound + 400))
        assert not beyond.feasible.any(), cost
