"""``two_point_checked``: msmodeling's ``linear_exponential`` with the two changes of
docs/two-point-fix.md, each small enough to propose as a patch to msmodeling's
``_estimate_right_boundary`` and ``run()``:

1. A latency of inf at the right probe says nothing about a slope. msmodeling reports TPOT = inf
   when a decode step runs out of memory (chunked prefill); the two-point line from batch 1 is
   then vertical and the estimate collapses to ``round(1 x 1.5) + 1 = 3``. Here a non-finite
   latency is left out of the estimate, as a missing one is; memory and the other limit still
   estimate.
2. When the answer equals the estimated cap (the cap was binding: the binary search never saw a
   failing batch above its answer), probe ``cap + 1``. If it fails, the answer is certified. If it
   fits, the estimate was too low: continue as msmodeling's ``exponential`` does, doubling from
   ``cap + 1`` and bisecting up to the first failing batch (or to the failing expansion probe
   already seen, which bounds the answer).

Where the cap was not binding the probe sequence is ``linear_exponential``'s, probe for probe.
With feasibility monotone in batch, every answer then ends on a certificate (``b`` fits,
``b + 1`` does not), so the search is exact.
"""

from __future__ import annotations

import math

from harness.probe import Observation, ProbeRecorder
from harness.searches.base import (
    Outcome,
    SearchContext,
    binary_search,
    start_range,
)
from harness.searches.two_point import TwoPointParams, estimate_right


def checked_estimate(
    left: Observation, right: Observation, params: TwoPointParams, context: SearchContext
) -> int:
    """``linear_exponential``'s estimate, with non-finite latencies at the right probe left out."""
    finite = right._replace(
        tpot_ms=_finite_or_none(right.tpot_ms), ttft_ms=_finite_or_none(right.ttft_ms)
    )
    return estimate_right(left, finite, params, context)


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def two_point_checked(
    probe: ProbeRecorder, params: TwoPointParams, context: SearchContext
) -> Outcome:
    left, right = start_range(context)
    first = probe(left)
    if not first.feasible:
        return Outcome(None, early_stop=first.reason)
    estimates: list[int] = []
    capped = False  # ``right`` is an estimate, not a batch seen to fail
    failed_at: int | None = None
    if context.batch_range is None:
        for _ in range(params.max_doublings):
            observation = probe(right)
            estimate = checked_estimate(first, observation, params, context)
            estimates.append(estimate)
            if not observation.feasible:
                failed_at = right
                capped = estimate < right
                right = min(estimate, right)
                break
            if estimate <= 2 * right:
                right, capped = estimate, True
                break
            left, right = right, 2 * right
    bracket = (left, right)
    answer = binary_search(probe, left, right)
    checked = capped and answer == right
    if checked:
        answer = _past_the_cap(probe, answer, left, failed_at, params.max_doublings)
    details = {"estimates": estimates, "bracket": bracket, "cap_checked": checked}
    return Outcome(answer, details=details)


def _past_the_cap(
    probe: ProbeRecorder, cap: int, known_fit: int, failed_at: int | None, doublings: int
) -> int:
    """The answer above a binding cap: ``cap`` if ``cap + 1`` fails; else doubling from
    ``cap + 1`` (stopping short of a batch already seen to fail) and bisecting. A cap below a
    batch already seen to fit (``known_fit``) needs no check probe: the doubling starts there."""
    if cap >= known_fit:
        if failed_at == cap + 1 or not probe(cap + 1).feasible:
            return cap
        fits = cap + 1
    else:
        fits = known_fit
    fails = failed_at
    for _ in range(doublings):
        if fails is not None and 2 * fits >= fails:
            break
        if not probe(2 * fits).feasible:
            fails = 2 * fits
            break
        fits *= 2
    if fails is None:  # out of doublings: bisect up to the next one, as exponential does
        fails = 2 * fits + 1
    return _bisect(probe, fits, fails)


def _bisect(probe: ProbeRecorder, fits: int, fails: int) -> int:
    """The largest fitting batch in ``[fits, fails)``: ``fits`` fits and ``fails`` does not."""
    while fails - fits > 1:
        mid = (fits + fails) // 2
        if probe(mid).feasible:
            fits = mid
        else:
            fails = mid
    return fits


def probe_bound(baseline: int) -> int:
    """Most probes on one strategy given the baseline's: two_point's (never more than the
    baseline), the check probe, and past a binding cap one more doubling-and-bisection, which
    costs at most what the baseline's own does."""
    return 2 * baseline + 1
