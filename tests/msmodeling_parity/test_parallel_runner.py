"""msmodeling's ``test_parallel_runnner.py`` (sic) and its CLI's size rules, restated against our
enumeration (``OptimizerRequest.strategies``)."""

from __future__ import annotations

import pytest

from harness.errors import DeploymentError
from harness.request import OptimizerRequest

MOE, DENSE = "Qwen/Qwen3-30B-A3B", "Qwen/Qwen3-32B"


def layouts(model: str, num_devices: int, **sizes) -> list[tuple[int, int, int]]:
    request = OptimizerRequest(
        model=model, input_length=100, output_length=10, num_devices=num_devices, **sizes
    )
    return [
        (s.parallel.tp, s.parallel.ep, s.parallel.moe_dp)
        for s in request.strategies()
        for _ in range(s.repeats)
    ]


def test_default_tps_are_the_powers_of_two() -> None:
    """test_get_user_config_default_tps: no sizes at all -> TP 1, 2, 4, 8."""
    assert [tp for tp, _, _ in layouts(DENSE, 8)] == [1, 2, 4, 8]


def test_tp_ep_combinations() -> None:
    """test_get_user_config_tp_ep_combinations: 3 x 3 on 4 devices; TP2 EP2 has DP 2, MoE-TP 2."""
    found = layouts(MOE, 4, tp_sizes=(1, 2, 4), ep_sizes=(1, 2, 4))
    assert len(found) == 9
    request = OptimizerRequest(
        model=MOE, input_length=100, output_length=10, num_devices=4, tp_sizes=(2,), ep_sizes=(2,)
    )
    layout = request.strategies()[0].parallel
    assert (layout.dp, layout.moe_dp, layout.moe_tp) == (2, 1, 2)


def test_tp_ep_default_ranges() -> None:
    """test_get_user_config_tp_ep_default_ranges: empty lists -> 4 x 4 on 8 devices."""
    found = layouts(MOE, 8, tp_sizes=(), ep_sizes=())
    assert len(found) == 16 and (8, 8, 1) in found


def test_tp_ep_moe_dp_combinations() -> None:
    """test_get_user_config_tp_ep_moe_dp_combinations: MoE-TP = N / (EP x MoE-DP) everywhere."""
    request = OptimizerRequest(
        model=MOE,
        input_length=100,
        output_length=10,
        num_devices=8,
        tp_sizes=(1, 2),
        ep_sizes=(1, 2, 4),
        moe_dp_sizes=(1, 2, 4),
    )
    keys = {(s.parallel.tp, s.parallel.ep, s.parallel.moe_dp) for s in request.strategies()}
    assert {(1, 2, 4), (2, 4, 2)} <= keys
    for s in request.strategies():
        assert s.parallel.moe_tp == 8 // (s.parallel.ep * s.parallel.moe_dp)


def test_tp_ep_moe_dp_default_ranges() -> None:
    """test_get_user_config_tp_ep_moe_dp_default_ranges: 18 combinations on 4 devices."""
    found = layouts(MOE, 4, tp_sizes=(), ep_sizes=(), moe_dp_sizes=())
    assert len(found) == 18 and {(4, 4, 1), (2, 2, 2)} <= set(found)


def test_a_tp_that_does_not_divide_is_skipped() -> None:
    """parallel_runner skips N % TP; with nothing left, the CLI refuses the search space."""
    assert layouts(DENSE, 4, tp_sizes=(3, 4)) == [(4, 1, 1)]
    with pytest.raises(DeploymentError, match="no valid parallel combination of TP \\[3\\]"):
        layouts(DENSE, 4, tp_sizes=(3,))


def test_a_size_above_the_device_count_is_an_error() -> None:
    """throughput_optimizer's _normalize_and_validate: a value above --num-devices."""
    with pytest.raises(DeploymentError, match="tp_sizes: 16 is not a size between 1 and"):
        layouts(DENSE, 8, tp_sizes=(16,))


def test_ep_sizes_alone_keep_tp_at_the_device_count() -> None:
    """throughput_optimizer: tp_sizes becomes [] only when no size list is given at all."""
    assert layouts(MOE, 8, ep_sizes=(4, 8)) == [(8, 4, 1), (8, 8, 1)]


def test_a_dense_model_is_searched_once_per_ep_size() -> None:
    """parallel_runner loops EP for dense models too, under one label: duplicate searches."""
    request = OptimizerRequest(
        model=DENSE, input_length=100, output_length=10, num_devices=8, ep_sizes=(1, 2, 4)
    )
    (strategy,) = request.strategies()
    assert (strategy.key, strategy.label, strategy.repeats) == ("TP=8", "TP=8 | PP=1 | DP=1", 3)


def dcp_strategies(**fields) -> list[tuple[str, str]]:
    request = OptimizerRequest(input_length=100, output_length=10, tpot_limit_ms=50, **fields)
    return [(s.key, s.label) for s in request.strategies()]


def test_dcp_is_constrained_by_tp_not_by_devices() -> None:
    """test_get_user_config_dcp_constrained_by_tp: DCP 8 does not divide TP 4, and DCP takes no
    devices (DP = N / TP). Its 4 devices are 8 here: the CLI refuses a size above the devices."""
    found = dcp_strategies(model=DENSE, num_devices=8, tp_sizes=(4,), dcp_sizes=(1, 2, 4, 8))
    assert found == [
        ("TP=4", "TP=4 | PP=1 | DP=2"),
        ("TP=4,DCP=2", "TP=4 | PP=1 | DP=2 | DCP=2"),
        ("TP=4,DCP=4", "TP=4 | PP=1 | DP=2 | DCP=4"),
    ]


def test_dcp_is_off_by_default() -> None:
    """test_get_user_config_dcp_default_disabled: without dcp_sizes every strategy has DCP 1."""
    request = OptimizerRequest(model=DENSE, input_length=100, output_length=10, num_devices=4)
    assert {s.dcp for s in request.strategies()} == {1}


def test_prefill_is_forced_to_dcp_one() -> None:
    """test_get_user_config_prefill_forces_dcp_one: disagg prefill at DCP 1, decode searched,
    even when 1 is not among the sizes."""
    found = dcp_strategies(
        model=DENSE, num_devices=4, tp_sizes=(4,), dcp_sizes=(2, 4), disagg=True, ttft_limit_ms=1e4
    )
    assert [key for key, _ in found] == ["TP=4,prefill", "TP=4,DCP=2,decode", "TP=4,DCP=4,decode"]


def test_dcp_labels_follow_mtp_and_moe_parts() -> None:
    """format_parallel_label: ... | EP | MOE-TP | MOE-DP, then MTP, then DCP."""
    found = dcp_strategies(
        model="deepseek-ai/DeepSeek-V3", device="ATLAS_800_A3_752T_128G_DIE", num_devices=16,
        tp_sizes=(8,), ep_sizes=(16,), dcp_sizes=(4,),
    )  # fmt: skip
    assert found == [
        ("TP=8,EP=16,DCP=4", "TP=8 | PP=1 | DP=2 | EP=16 | MoE-TP=1 | MoE-DP=1 | DCP=4")
    ]


def test_a_gqa_layout_without_a_kv_head_per_dcp_rank_is_dropped() -> None:
    """msmodeling's model build fails (_validate_gqa_dcp_kv_heads) and the strategy is dropped:
    Qwen3-30B-A3B's 4 KV heads at TP=16 need DCP >= 4."""
    found = dcp_strategies(
        model=MOE, device="ATLAS_800_A3_752T_128G_DIE", num_devices=16, tp_sizes=(16,),
        ep_sizes=(16,), dcp_sizes=(1, 2, 4),
    )  # fmt: skip
    assert [key for key, _ in found] == ["TP=16,EP=16", "TP=16,EP=16,DCP=4"]


def test_no_layout_left_for_dcp_is_an_error() -> None:
    with pytest.raises(DeploymentError, match="dcp_sizes"):
        dcp_strategies(model=DENSE, num_devices=2, tp_sizes=(1,), dcp_sizes=(2,))


def test_a_dcp_size_above_the_device_count_is_an_error() -> None:
    """throughput_optimizer's _normalize_and_validate: larger than --num-devices."""
    with pytest.raises(DeploymentError, match="dcp_sizes"):
        dcp_strategies(model=DENSE, num_devices=4, dcp_sizes=(8,))
