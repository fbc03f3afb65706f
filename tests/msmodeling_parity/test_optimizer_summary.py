"""msmodeling's ``test_optimizer_summary.py`` (early-stop order) and the reported-row rule of
``base_throughput_optimizer._run_once`` and ``optimizer_summary._prepare_agg_disagg_results``,
restated against our simulator's verdicts and ``reported_row``."""

from __future__ import annotations

import pytest

from harness.probe import StopReason
from harness.searches import get_search, make_params, run_search
from harness.searches.base import SearchContext, reported_row
from simulator import Deployment, Simulator
from tests.msmodeling_parity.scripted import ScriptedTarget, observation

QWEN = dict(model="Qwen/Qwen3-32B", num_devices=8, tp=8, input_length=3500, output_length=1500)


def verdict(**limits) -> tuple[bool, str | None]:
    row = Simulator(Deployment.create(**QWEN, **limits)).probe(124)
    return row.feasible, row.reason


def test_all_within_limits_is_feasible() -> None:
    """test_set_stop_flag_all_within_limits."""
    assert verdict(tpot_limit_ms=50, ttft_limit_ms=10**6) == (True, None)


def test_tpot_then_ttft() -> None:
    """test_set_stop_flag_tpot_exceeds_limit / ttft_exceeds_limit / test_get_early_stop_reason:
    TPOT is checked before TTFT."""
    assert verdict(tpot_limit_ms=40) == (False, "tpot_limit")
    assert verdict(ttft_limit_ms=1000) == (False, "ttft_limit")
    assert verdict(tpot_limit_ms=40, ttft_limit_ms=1000) == (False, "tpot_limit")


def test_memory_before_latency() -> None:
    """test_set_stop_flag_memory_negative: memory first, whatever the latency limits say."""
    row = Simulator(Deployment.create(**QWEN, tpot_limit_ms=1, ttft_limit_ms=1)).probe(600)
    assert row.reason == "decode_oom"


def test_limits_are_strict() -> None:
    """``tpot > limit`` stops; a TPOT exactly at the limit is feasible."""
    simulator = Simulator(Deployment.create(**QWEN))
    tpot = simulator.probe(124).tpot_ms
    assert Simulator(Deployment.create(**QWEN, tpot_limit_ms=tpot)).probe(124).feasible
    assert (
        not Simulator(Deployment.create(**QWEN, tpot_limit_ms=tpot * 0.999999)).probe(124).feasible
    )


def test_the_reported_row_has_the_most_tokens_per_second() -> None:
    rows = [observation(b, tokens_per_s=t) for b, t in ((4, 10.0), (6, 30.0), (5, 20.0))]
    assert reported_row(rows).batch_size == 6


def test_ties_after_rounding_to_three_decimals_fall_as_in_pandas() -> None:
    """Rows are rounded to 3 decimals before the descending sort: 30.0001 and 30.0002 tie, and
    the earlier row in ascending order of the raw values comes first."""
    rows = [observation(b, tokens_per_s=t) for b, t in ((8, 30.0002), (7, 30.0001), (5, 1.0))]
    assert reported_row(rows).batch_size == 7


def test_infeasible_rows_are_never_reported() -> None:
    rows = [observation(9, reason=StopReason.TPOT_LIMIT, tokens_per_s=99.0), observation(3)]
    assert reported_row(rows).batch_size == 3
    assert reported_row([observation(9, reason=StopReason.TPOT_LIMIT)]) is None


@pytest.mark.parametrize("search", ["exponential", "two_point"])
def test_only_binary_search_rows_are_reported(search: str) -> None:
    """_run_once appends rows in the binary search only: the expansion probes are not rows."""

    def script(batch: int):
        if batch >= 600:
            return observation(batch, reason=StopReason.TPOT_LIMIT)
        return observation(batch, tokens_per_s=1000.0 if batch == 512 else float(batch))

    spec = get_search(search)
    result = run_search(spec, ScriptedTarget(script), make_params(spec), SearchContext())
    assert 512 in result.sequence[: result.binary_search_from]
    assert result.chosen.batch_size == result.batch_size == 599
