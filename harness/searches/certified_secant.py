"""An exact search that certifies its answer in a handful of probes: ``certified_secant``.

Every probe returns more than pass or fail. Memory use is nearly proportional to the batch, so
one probe pins the memory bound almost in closed form; TPOT and TTFT are smooth between OOM
cliffs and wave steps, so interpolating through the probes around a limit (inverse quadratic,
else Illinois regula falsi) lands next to where it is crossed. The search keeps a bracket:
``lo``, the largest batch shown feasible, and ``hi``, the smallest shown infeasible. It ends
only with a certificate: ``lo`` feasible and ``lo + 1`` infeasible, ``lo`` at the cap, or the
lowest batch infeasible (no feasible batch).

Safeguards: every estimate is clamped strictly inside the bracket, and estimate-driven steps
are budgeted: while expanding, as many as doubling up to the cap would take (then it doubles);
inside a bracket, as many as a binary search of it would take (then it bisects). The worst case
is therefore about twice msmodeling's exponential-plus-binary search.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from harness.probe import Observation, ProbeRecorder
from harness.searches.base import LARGEST_REACHABLE, Outcome, SearchContext


@dataclass(frozen=True)
class CertifiedSecantParams:
    """``start``: the first probe. Batch 1 sits in another regime (a lone prefill wave, fixed
    costs dominating), so a line through it misjudges larger batches; starting a little higher
    keeps the interpolation on the smooth part of the curve. Batch 1 is probed only when the
    start is infeasible, as the lower end of the bracket and the no-feasible-batch check."""

    start: int = 8
    cap: int = LARGEST_REACHABLE

    def __post_init__(self) -> None:
        if self.start < 1 or self.cap < 1:
            raise ValueError(f"start and cap must be >= 1, got {self.start} and {self.cap}")


def _violations(observation: Observation, context: SearchContext) -> dict[str, float]:
    """Signed distance past each limit (> 0 means violated); missing metrics are left out."""
    out = {"memory": -observation.available_gib}
    for name, limit, value in (
        ("tpot", context.tpot_limit_ms, observation.tpot_ms),
        ("ttft", context.ttft_limit_ms, observation.ttft_ms),
    ):
        usable = limit is not None and value is not None and math.isfinite(limit)
        if usable and math.isfinite(value):
            out[name] = value - limit
    return out


def _illinois_bracket(points: list[tuple[int, float]]):
    """The nearest satisfied probe below the nearest violated one, with Illinois weights.

    Probes are replayed in the order made; when the same end survives two steps running, its
    value is halved, which stops the one-sided creep of plain regula falsi.
    """
    low = high = None
    low_value = high_value = 0.0
    last_moved = None
    for batch, value in points:
        bracketed = low is not None and high is not None
        if value <= 0:
            if (low is None or batch > low) and (high is None or batch < high):
                if bracketed and last_moved == "low":
                    high_value /= 2
                low, low_value = batch, value
                last_moved = "low" if bracketed else None
        elif high is None or batch < high:
            if bracketed and last_moved == "high":
                low_value /= 2
            high, high_value = batch, value
            last_moved = "high" if bracketed else None
    return low, low_value, high, high_value


def _inverse_quadratic(points: list[tuple[int, float]]) -> float | None:
    """Brent's inverse quadratic interpolation through the three probes nearest the limit."""
    near = sorted(points, key=lambda p: abs(p[1]))[:3]
    if len(near) < 3 or len({b for b, _ in near}) < 3 or len({v for _, v in near}) < 3:
        return None
    (b0, v0), (b1, v1), (b2, v2) = near
    return (
        b0 * v1 * v2 / ((v0 - v1) * (v0 - v2))
        + b1 * v0 * v2 / ((v1 - v0) * (v1 - v2))
        + b2 * v0 * v1 / ((v2 - v0) * (v2 - v1))
    )


def _root(points: list[tuple[int, float]]) -> float:
    """Where one constraint's violation crosses zero, from its probes in the order made.

    Inside a bracket: inverse quadratic interpolation when it lands inside, else Illinois
    regula falsi. With no violation yet: the secant through the two largest probes.
    """
    low, low_value, high, high_value = _illinois_bracket(points)
    if high is not None:
        if low is None:
            return float(high) - 1.0
        quadratic = _inverse_quadratic(points)
        if quadratic is not None and low < quadratic < high:
            return quadratic
        return low - low_value * (high - low) / (high_value - low_value)
    if len(points) >= 2:
        (b1, v1), (b2, v2) = sorted(points)[-2:]
        slope = (v2 - v1) / (b2 - b1)
        return b2 - v2 / slope if slope > 0 else math.inf
    return math.inf


def _memory_root_from_one(observation: Observation) -> float:
    """Memory is nearly proportional to the batch, so the largest probe's average memory per
    request, spread over its free memory, puts the bound in closed form."""
    if observation.per_request_gib <= 0:
        return math.inf
    return observation.batch_size + observation.available_gib / observation.per_request_gib


class _Estimator:
    def __init__(self, context: SearchContext) -> None:
        self.context = context
        self.points: dict[str, list[tuple[int, float]]] = {}
        self.observations: list[Observation] = []

    def add(self, observation: Observation) -> None:
        self.observations.append(observation)
        for name, value in _violations(observation, self.context).items():
            self.points.setdefault(name, []).append((observation.batch_size, value))

    def boundary(self) -> float:
        """The estimated largest feasible batch (real-valued), or inf with nothing to go on."""
        roots = [_root(points) for name, points in self.points.items() if name != "memory"]
        if any(value > 0 for _, value in self.points["memory"]):
            roots.append(_root(self.points["memory"]))
        else:
            largest = max(self.observations, key=lambda o: o.batch_size)
            roots.append(_memory_root_from_one(largest))
        return min(roots, default=math.inf)


def certified_secant(
    probe: ProbeRecorder, params: CertifiedSecantParams, context: SearchContext
) -> Outcome:
    low_bound, cap = context.batch_range or (1, params.cap)
    estimator = _Estimator(context)
    lo: int | None = None
    hi: int | None = None
    start = min(max(params.start, low_bound), cap)
    for batch in dict.fromkeys((start, low_bound)):
        observation = probe(batch)
        estimator.add(observation)
        if observation.feasible:
            lo = batch
            break
        hi = batch
        if batch == low_bound:
            return Outcome(None, early_stop=observation.reason, details={"certificate": (None, hi)})
    budget = 0 if hi is None else (hi - lo).bit_length()
    expansion_budget = max(cap - lo, 1).bit_length()
    while lo < cap and (hi is None or hi > lo + 1):
        estimate = estimator.boundary()
        if hi is None:
            if expansion_budget > 0 and math.isfinite(estimate):
                expansion_budget -= 1
                x = math.floor(estimate) + 1
            else:
                x = 2 * lo
            x = min(max(x, lo + 1), cap)
        elif budget > 0 and math.isfinite(estimate):
            budget -= 1
            x = min(max(math.floor(estimate + 0.5), lo + 1), hi - 1)
        else:
            x = (lo + hi) // 2
        observation = probe(x)
        estimator.add(observation)
        if observation.feasible:
            lo = x
        else:
            if hi is None:
                budget = (x - lo).bit_length()
            hi = x
    return Outcome(lo, details={"certificate": (lo, hi)})
