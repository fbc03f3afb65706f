"""The optimization under test: the two-point estimate ('linear_exponential', §1.8).

After each expansion probe, memory and SLO limits are extrapolated from the batch-1 probe and
that probe; the estimate caps the binary search's right bound. Memory is treated as exact
(relax 1.0); TPOT and TTFT use ``slo_safety_factor`` because latency grows less than linearly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from harness.probe import Observation, ProbeRecorder
from harness.searches.base import (
    MAX_ITER_NUMS,
    NO_ESTIMATE,
    Outcome,
    SearchContext,
    binary_search,
    check_doublings,
    start_range,
)


@dataclass(frozen=True)
class TwoPointParams:
    slo_safety_factor: float = 1.5
    memory_relax_factor: float = 1.0
    max_doublings: int = MAX_ITER_NUMS

    def __post_init__(self) -> None:
        for name in ("slo_safety_factor", "memory_relax_factor"):
            value = getattr(self, name)
            if not (value > 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be > 0, got {value}")
        check_doublings(self.max_doublings)


def estimate_right(
    left: Observation, right: Observation, params: TwoPointParams, context: SearchContext
) -> int:
    """The smallest of the memory, TPOT and TTFT boundary estimates, msmodeling's rounding."""
    estimates = []
    bs = right.batch_size
    if right.per_request_gib > 0:
        by_memory = (bs + right.available_gib / right.per_request_gib) * params.memory_relax_factor
        estimates.append(max(1, round(by_memory) + 1))
    span = bs - left.batch_size
    for limit, low, high in (
        (context.tpot_limit_ms, left.tpot_ms, right.tpot_ms),
        (context.ttft_limit_ms, left.ttft_ms, right.ttft_ms),
    ):
        if limit is None or not math.isfinite(limit) or low is None or high is None:
            continue
        if not high > low or span <= 0:
            continue
        slope = (high - low) / span
        by_latency = (left.batch_size + (limit - low) / slope) * params.slo_safety_factor
        estimates.append(max(1, round(by_latency) + 1))
    return min(estimates, default=NO_ESTIMATE)


def two_point(probe: ProbeRecorder, params: TwoPointParams, context: SearchContext) -> Outcome:
    left, right = start_range(context)
    first = probe(left)
    if not first.feasible:
        return Outcome(None, early_stop=first.reason)
    estimates = []
    if context.batch_range is None:
        for _ in range(params.max_doublings):
            observation = probe(right)
            estimate = estimate_right(first, observation, params, context)
            estimates.append(estimate)
            if not observation.feasible:
                right = min(estimate, right)
                break
            if estimate <= 2 * right:
                right = estimate
                break
            left, right = right, 2 * right
    return Outcome(
        binary_search(probe, left, right),
        details={"estimates": estimates, "bracket": (left, right)},
    )
