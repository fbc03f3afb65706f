"""The time model follows msmodeling's rules: forwards memoized per strategy's search (agg),
never in disaggregated decode; torch compiles the first shapes of each kind per task (dense) or
again every small new shape (MoE); the model is built once per strategy; strategies share the
workers of a whole run."""

from __future__ import annotations

import pytest

from harness import door
from harness.probe import SimulatorTarget
from harness.seconds import PRICES, Meter, ModelClass, TimeSettings, whole_run_s


def _meter(**fields) -> tuple[Meter, door.Deployment]:
    base = dict(model="Qwen/Qwen3-32B", device="TEST_DEVICE", num_devices=8, tp=8)
    base |= dict(input_length=3500, output_length=1500, tpot_limit_ms=50.0)
    deployment = door.deployment(**(base | fields))
    return Meter(deployment, SimulatorTarget(deployment).forwards_of), deployment


def test_a_memoized_probe_costs_only_its_lookups() -> None:
    meter, _ = _meter()
    first = meter.charge(64)
    again = meter.charge(64)
    prices = PRICES[ModelClass.DENSE, False]
    assert first > 10 * again
    assert again == pytest.approx(prices.memo_hit_s * 2)  # a prefill wave and the decode step


def test_disaggregated_decode_runs_every_probe_afresh() -> None:
    meter, _ = _meter(phase="decode")
    assert meter.charge(64) == pytest.approx(meter.charge(64))
    compiled, _ = _meter(phase="decode", compile=True)
    new, repeat = compiled.charge(64), compiled.charge(64)
    assert repeat < new and repeat > 0.1 * PRICES[ModelClass.DENSE, True].memo_hit_s


def test_dense_compiles_the_first_two_shapes_of_each_kind() -> None:
    meter, _ = _meter(phase="decode", compile=True)
    seconds = [meter.charge(batch) for batch in (8, 16, 24, 32)]
    prices = PRICES[ModelClass.DENSE, True]
    assert seconds[0] == seconds[1] > prices.compile_s
    assert seconds[2] == seconds[3] < prices.compile_s / 4


def test_moe_compiles_two_shapes_then_again_only_where_experts_get_few_tokens() -> None:
    """Qwen3-30B-A3B routes 8 of 128 experts a token: 2048 tokens give each expert 128 (no
    recompile), 128 tokens give it 8 (torch compiles again), as c5_moe_compiled_exp measured."""
    meter, _ = _meter(model="Qwen/Qwen3-30B-A3B", ep=8, phase="decode", compile=True)
    first, second, large, small = (meter.charge(batch) for batch in (1024, 4096, 2048, 128))
    prices = PRICES[ModelClass.MOE, True]
    assert prices.recompile_below_tokens_per_expert == 16
    assert first > 4 * large and second > 4 * large
    assert small > 4 * large


def test_an_eager_moe_forward_runs_only_the_experts_its_tokens_reach() -> None:
    meter, _ = _meter(model="Qwen/Qwen3-30B-A3B", ep=2, phase="decode")
    few, some, all_, more = (meter.charge(batch) for batch in (8, 32, 64, 512))
    assert few < some < all_ == pytest.approx(more)


def test_a_quote_spends_nothing() -> None:
    meter, _ = _meter()
    quoted = meter.quote(64)
    assert meter.quote(64) == quoted and meter.spent_s == PRICES[ModelClass.DENSE, False].build_s
    assert meter.charge(64) == quoted and meter.quote(64) < quoted


def test_the_model_is_built_once_per_strategy() -> None:
    retry, deployment = _meter()
    retry = Meter(deployment, SimulatorTarget(deployment).forwards_of, builds=False)
    assert retry.spent_s == 0 and _meter()[0].spent_s == PRICES[ModelClass.DENSE, False].build_s


def test_a_whole_run_schedules_strategies_over_the_workers() -> None:
    two_cores = TimeSettings(jobs=8, cores=2)
    assert whole_run_s(10.0, [5.0, 5.0, 5.0, 5.0], two_cores) == 20.0
    assert whole_run_s(10.0, [5.0, 5.0, 5.0, 5.0], TimeSettings(jobs=1)) == 30.0
    assert whole_run_s(10.0, [8.0, 1.0, 1.0], two_cores) == 18.0
    assert whole_run_s(10.0, [4.0], TimeSettings(scale=0.5)) == 7.0
