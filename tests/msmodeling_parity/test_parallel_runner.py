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
