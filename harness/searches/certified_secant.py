"""An exact search that certifies its answer in a handful of probes: ``certified_secant``.

Every probe returns more than pass or fail. Memory use is nearly proportional to the batch, so
one probe pins the memory bound almost in closed form; TPOT and TTFT are smooth between OOM
cliffs and wave steps, so interpolating through the probes around a limit (inverse quadratic,
else Illinois regula falsi) lands next to where it is crossed. The second probe, with one point
to go on, aims between the lowest batch at which a limit can be crossed and the memory bound
(see ``_opening_aim``), so the first interpolation spans a short range.

The search keeps a bracket: ``lo``, the largest batch shown feasible, and ``hi``, the smallest
shown infeasible. It ends only with a certificate: ``lo`` feasible and ``lo + 1`` infeasible,
``lo`` at the cap, or no feasible batch: the lowest batch infeasible, or a probe whose weights
and reserved memory alone exceed the device (then every batch is out of memory).

Seconds: msmodeling memoizes forwards per strategy's search, so a batch whose prefill waves were
already run costs it less than one that needs new ones. A fallback step (doubling or
bisection) is about as informative a few sizes either way, so there the search probes the
cheapest nearby batch (``probe.cost``). An interpolated step is not: it aims at the boundary
itself, and a probe beside it usually costs one more probe than it saves in seconds (measured
on the bundled scenarios: 4.63 probes per strategy and 5% more seconds when every step moved,
1.4% more seconds when the opening step did).

Safeguards: an estimate outside the bracket means the model is wrong there, so that step
falls back; one inside (or less than one below ``lo``) is rounded and clamped strictly inside.
A step is a stall when it neither doubles the feasible batch (while expanding) nor halves the
bracket (in log space while it spans more than a factor of 4) nor moves less than half as far
as the step before it (the mark of a converging secant). After three stalls every step falls
back to doubling and bisection, so a misleading curve costs only a few probes more than never
trusting it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from harness.probe import Observation, ProbeRecorder
from harness.searches.base import LARGEST_REACHABLE, WEIGHTS_OOM, Outcome, SearchContext


@dataclass(frozen=True)
class CertifiedSecantParams:
    """``start``: the first probe. Batch 1 sits in another regime (a lone prefill wave, fixed
    costs dominating), so a line through it misjudges larger batches; starting a little higher
    keeps the interpolation on the smooth part of the curve. Batch 1 is probed only when the
    start is infeasible, as the lower end of the bracket and the no-feasible-batch check."""

    start: int = 8
    cap: int = LARGEST_REACHABLE
    prefer_cheap: bool = True
    """Among batches about as informative as the aim, probe the one msmodeling would spend the
    fewest seconds on."""

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
        """The estimated largest feasible batch (real-valued), or inf with nothing to go on.

        After a single feasible probe the latency limits have no root estimate yet; the aim
        for them is then the geometric middle of the range their roots can lie in.
        """
        if any(value > 0 for _, value in self.points["memory"]):
            memory_root = _root(self.points["memory"])
        else:
            largest = max(self.observations, key=lambda o: o.batch_size)
            memory_root = _memory_root_from_one(largest)
        if len(self.observations) == 1:
            return _opening_aim(self.observations[0], self.context, memory_root)
        roots = [_root(points) for name, points in self.points.items() if name != "memory"]
        return min([*roots, memory_root])


CERTIFY_MEMORY_WITHIN = 2.0


def _opening_aim(observation: Observation, context: SearchContext, memory_root: float) -> float:
    """Where to aim the second probe, knowing one feasible probe and the memory bound.

    On a roofline, TPOT and TTFT grow no faster than the batch (fixed costs amortise and each
    op's time is the larger of two terms affine in it), so a limit is not crossed below
    ``batch * limit / value``. Its root lies between that bound and the memory bound; aiming at
    their geometric middle puts the second probe within a small factor of the boundary, where
    interpolating through two probes is accurate whichever way the curve bends. When that
    middle is within a factor of ``CERTIFY_MEMORY_WITHIN`` of the memory bound (or a limit
    cannot bind at all), the aim is the memory bound itself: interpolating from there is about
    as accurate, and if memory binds, the next probe is its certificate. On curves of other
    shapes this is only an aim; the bracket still keeps the answer exact.
    """
    aims = [memory_root]
    for limit, value in (
        (context.tpot_limit_ms, observation.tpot_ms),
        (context.ttft_limit_ms, observation.ttft_ms),
    ):
        if limit is None or value is None or not math.isfinite(limit) or value <= 0:
            continue
        lowest_root = observation.batch_size * limit / value
        if lowest_root * CERTIFY_MEMORY_WITHIN**2 < memory_root:
            aims.append(math.sqrt(lowest_root * memory_root))
    return min(aims)


STALLS_ALLOWED = 3


def _fallback(lo: int, hi: int | None) -> int:
    """The step that needs no model: double, bisect in log space, or bisect."""
    if hi is None:
        return 2 * lo
    if hi > 4 * lo:
        return math.isqrt(lo * hi)
    return (lo + hi) // 2


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
        if observation.memory_after_weights_gib < 0:
            return Outcome(None, early_stop=WEIGHTS_OOM, details={"certificate": (None, hi)})
        if batch == low_bound:
            return Outcome(None, early_stop=observation.reason, details={"certificate": (None, hi)})
    stalls = 0
    last_step = math.inf
    while lo < cap and (hi is None or hi > lo + 1):
        estimate = estimator.boundary()
        modelled = stalls < STALLS_ALLOWED and math.isfinite(estimate)
        if modelled and hi is None:
            x = math.floor(estimate) + 1
        elif modelled and lo - 1 < estimate < hi:
            x = math.floor(estimate + 0.5)
        else:
            modelled = False
            x = _fallback(lo, hi)
        x = min(max(x, lo + 1), cap if hi is None else hi - 1)
        if params.prefer_cheap and not modelled:
            x = _cheapest_near(probe, x, lo, cap if hi is None else hi - 1)
        before = (lo, hi)
        observation = probe(x)
        estimator.add(observation)
        if observation.feasible:
            lo = x
        else:
            hi = x
        step = abs(x - estimator.observations[-2].batch_size)
        if not _progressed(before, (lo, hi)) and step > last_step / 2:
            stalls += 1
        last_step = step
    return Outcome(lo, details={"certificate": (lo, hi)})


WINDOW_SHARE = 16
"""A batch within 1/16 of the distance to the bracket's far end (or, expanding, of the aim)
is about as informative as the aim."""
MOST_WINDOW = 4


def _cheapest_near(probe: ProbeRecorder, aim: int, low: int, high: int) -> int:
    """The batch near ``aim`` (within ``low + 1 .. high``) that costs msmodeling the fewest
    seconds to probe; ``aim`` itself on a tie, or where probes are not priced."""
    span = high - low
    width = min(MOST_WINDOW, span // WINDOW_SHARE)
    if width < 1 or probe.cost(aim) is None:
        return aim
    nearby = range(max(low + 1, aim - width), min(high, aim + width) + 1)
    return min(nearby, key=lambda batch: (probe.cost(batch), abs(batch - aim), batch))


def _progressed(before: tuple[int, int | None], after: tuple[int, int | None]) -> bool:
    """Whether a step at least doubled the feasible batch while expanding, or at least halved
    the bracket (in log space while the bracket spans more than a factor of 4)."""
    (lo0, hi0), (lo1, hi1) = before, after
    if hi0 is None:
        return hi1 is not None or lo1 >= 2 * lo0
    if hi0 > 4 * lo0:
        return math.log(hi1 / lo1) <= math.log(hi0 / lo0) / 2
    return hi1 - lo1 <= (hi0 - lo0) / 2
