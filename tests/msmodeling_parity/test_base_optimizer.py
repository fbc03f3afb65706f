"""msmodeling's ``tests/regression/serving_cast/test_service/test_base_optimizer.py``, restated
against our replicas of its search loop (``exponential``, ``two_point``) and optimizer."""

from __future__ import annotations

from typing import ClassVar

import pytest

from harness.optimizer import run as optimizer_run
from harness.optimizer import search_strategy
from harness.probe import StopReason
from harness.request import OptimizerRequest, SearchRun
from harness.searches import get_search, make_params, run_search
from harness.searches.base import NO_ESTIMATE, SearchContext
from harness.searches.two_point import TwoPointParams, estimate_right
from tests.msmodeling_parity.scripted import ScriptedTarget, below, observation

NO_LIMITS = SearchContext()


def run(name: str, target, context: SearchContext = NO_LIMITS, **params):
    spec = get_search(name)
    return run_search(spec, target, make_params(spec, params), context)


@pytest.mark.parametrize("name", ["exponential", "two_point"])
def test_optimizer_basic_batch_range_has_no_expansion(name: str) -> None:
    """test_optimizer_basic: batch_range [5, 20], feasible below 10: probe 5, then bisect."""
    target = ScriptedTarget(below(10))
    result = run(name, target, SearchContext(batch_range=(5, 20)))
    assert result.batch_size == 9
    assert target.asked == [5, 12, 8, 10, 9]


@pytest.mark.parametrize("name", ["exponential", "two_point"])
def test_batch_range_one_one_probes_batch_one_twice(name: str) -> None:
    """test_optimizer_auto_max_batched_tokens_uses_four_times_input_length: range [1, 1] asks
    twice, the early-stop probe and the binary search's."""
    target = ScriptedTarget(below(100))
    assert run(name, target, SearchContext(batch_range=(1, 1))).batch_size == 1
    assert target.asked == [1, 1]


@pytest.mark.parametrize("name", ["exponential", "two_point"])
def test_batch_range_two_two(name: str) -> None:
    """batch_range [2, 2]: probe 2 for the early stop, then once more in the binary search."""
    target = ScriptedTarget(below(100))
    assert run(name, target, SearchContext(batch_range=(2, 2))).batch_size == 2
    assert target.asked == [2, 2]


@pytest.mark.parametrize("name", ["exponential", "two_point"])
def test_optimizer_early_stop_at_batch_one(name: str) -> None:
    """test_optimizer_early_stop: batch 1 stops the search with no answer and one probe."""
    target = ScriptedTarget(below(1))
    result = run(name, target)
    assert (result.batch_size, result.early_stop, target.asked) == (
        None,
        StopReason.TPOT_LIMIT,
        [1],
    )


def test_exponential_without_estimate_doubles_ten_times() -> None:
    """test_exponential_search_without_acc_search_doubles_until_max_iterations: never failing,
    the expansion stops after 10 doublings (here from 512, to 512 * 2**10)."""
    target = ScriptedTarget(below(10**9))
    result = run("exponential", target)
    left, right = 512 * 2**9, 512 * 2**10
    assert target.asked[:12] == [1, *(512 * 2**i for i in range(10)), (left + right) // 2]
    assert result.details["bracket"] == (left, right)


def test_two_point_clamps_the_right_bound_when_the_expansion_probe_fails() -> None:
    """test_exponential_search_acc_search_clamps_right_boundary_on_early_stop: a failing
    expansion probe caps the right bound at min(estimate, 512); here memory estimates 508."""
    fails = observation(512, reason=StopReason.DECODE_OOM, available=-10.0, per_request=2.0)
    left = observation(1, tpot=10.0, ttft=100.0)
    context = SearchContext(tpot_limit_ms=50, ttft_limit_ms=500)
    estimate = estimate_right(left, fails, TwoPointParams(), context)
    assert estimate == round(512 - 10 / 2) + 1
    target = ScriptedTarget(lambda b: left if b == 1 else fails if b == 512 else observation(b))
    result = run("two_point", target, context)
    assert result.details["bracket"] == (1, min(estimate, 512))


def test_two_point_takes_the_estimate_when_within_twice_the_right_bound() -> None:
    """test_exponential_search_acc_search_uses_estimated_boundary_before_stop: estimate 530 <=
    2 x 512 becomes the right bound and the expansion stops, left unchanged."""
    left = observation(1, tpot=10.0, ttft=100.0)
    right = observation(512, tpot=40.0, ttft=400.0, available=10.0, per_request=0.5)
    assert estimate_right(left, right, TwoPointParams(), SearchContext()) == 533
    target = ScriptedTarget(lambda b: left if b == 1 else right if b == 512 else observation(b))
    result = run("two_point", target, SearchContext())
    assert result.details["bracket"] == (1, 533)


def test_estimate_falls_back_to_two_to_the_nineteen_minus_one() -> None:
    """test_estimate_right_boundary_falls_back_to_max_search_size."""
    left = observation(1)
    right = observation(8, per_request=0.0, available=0.0)
    assert estimate_right(left, right, TwoPointParams(), SearchContext()) == NO_ESTIMATE
    assert NO_ESTIMATE == 2**19 - 1


def test_estimate_by_memory() -> None:
    """test_estimate_right_boundary_uses_memory_limit_and_skips_fallback: 8 + 10/2 -> 14."""
    right = observation(8, per_request=2.0, available=10.0)
    assert estimate_right(observation(1), right, TwoPointParams(), SearchContext()) == 14


def test_estimate_by_latency_from_the_left_probes_batch() -> None:
    """test_estimate_by_latency_returns_relaxed_boundary_when_latency_grows: left batch 2,
    right 6, latency 10 -> 30, limit 20, relax 1.5 -> 7."""
    left = observation(2, tpot=10.0)
    right = observation(6, tpot=30.0, per_request=0.0)
    context = SearchContext(tpot_limit_ms=20.0)
    assert estimate_right(left, right, TwoPointParams(slo_safety_factor=1.5), context) == 7


def test_per_request_memory() -> None:
    """test_compute_per_request_memory_gb_handles_zero_and_positive_batch_size: (64 - 20 - 10
    - 12) / 4 = 5.5; the probe interface solves the same definition back."""
    seen = observation(4, available=12.0, per_request=5.5)
    assert seen.memory_after_weights_gib == pytest.approx(64 - 20 - 10)


class _BudgetTarget:
    """Prefill OOM at batch 1 until the token budget drops to ``fits_at``."""

    asked: ClassVar[list[int]] = []

    def __init__(self, deployment, fits_at: int) -> None:
        self.budget = deployment.max_batched_tokens
        self.fits = self.budget <= fits_at
        _BudgetTarget.asked.append(self.budget)

    def __call__(self, batch: int):
        reason = None if self.fits else StopReason.PREFILL_OOM
        return observation(batch, reason=reason)

    def sweep(self, batch_sizes):  # pragma: no cover - the oracle is not run here
        raise NotImplementedError

    @property
    def simulator(self):
        return self


def _retry_budgets(monkeypatch, fits_at: int, max_batched_tokens: int | None):
    _BudgetTarget.asked = []
    request = OptimizerRequest(
        model="Qwen/Qwen3-32B",
        input_length=100,
        output_length=10,
        num_devices=8,
        tp_sizes=(8,),
        max_batched_tokens=max_batched_tokens,
        batch_range=(1, 1),
        searches=(SearchRun("exponential"),),
    )
    strategy = request.strategies()[0]
    monkeypatch.setattr(optimizer_run, "_metrics_at", lambda target, batch: None)
    outcome = search_strategy(
        request,
        strategy,
        SearchRun("exponential"),
        target_for=lambda deployment: _BudgetTarget(deployment, fits_at),
    )
    return outcome, _BudgetTarget.asked


def test_auto_budget_starts_at_four_times_the_input(monkeypatch) -> None:
    """test_optimizer_auto_max_batched_tokens_uses_four_times_input_length."""
    outcome, budgets = _retry_budgets(monkeypatch, fits_at=10**6, max_batched_tokens=None)
    assert budgets == [400] and outcome.max_batched_tokens == 400


def test_auto_budget_retries_after_prefill_oom(monkeypatch) -> None:
    """test_optimizer_auto_max_batched_tokens_retries_on_prefill_oom: 4x -> 2x."""
    outcome, budgets = _retry_budgets(monkeypatch, fits_at=200, max_batched_tokens=None)
    assert budgets == [400, 200] and outcome.result.batch_size == 1
    assert outcome.result.sequence == (1, 1, 1)


def test_auto_budget_gives_up_after_one_times_the_input(monkeypatch) -> None:
    """test_optimizer_auto_max_batched_tokens_returns_none_after_min_prefill_oom."""
    outcome, budgets = _retry_budgets(monkeypatch, fits_at=0, max_batched_tokens=None)
    assert budgets == [400, 200, 100] and outcome.result.batch_size is None


def test_explicit_budget_is_not_retried(monkeypatch) -> None:
    """test_optimizer_explicit_max_batched_tokens_does_not_retry_on_prefill_oom."""
    outcome, budgets = _retry_budgets(monkeypatch, fits_at=0, max_batched_tokens=400)
    assert budgets == [400] and outcome.result.batch_size is None
