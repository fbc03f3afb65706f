"""What every search shares: its context, its outcome, and msmodeling's loop constants."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from harness.probe import Observation, ProbeRecorder, StopReason

MAX_ITER_NUMS = 10
INITIAL_RIGHT = 512
NO_ESTIMATE = 2 ** (MAX_ITER_NUMS + 9) - 1
LARGEST_REACHABLE = INITIAL_RIGHT * 2**MAX_ITER_NUMS

WEIGHTS_OOM = StopReason.WEIGHTS_OOM
MAX_DOUBLINGS_ALLOWED = 30
"""512 x 2**30 is past any batch a device can hold; more only burns probes."""


def check_doublings(value: int) -> None:
    if not 0 <= value <= MAX_DOUBLINGS_ALLOWED:
        raise ValueError(f"max_doublings must be 0..{MAX_DOUBLINGS_ALLOWED}, got {value}")


@dataclass(frozen=True)
class SearchContext:
    """The limits a search may read, and msmodeling's optional --batch-range."""

    tpot_limit_ms: float | None = None
    ttft_limit_ms: float | None = None
    batch_range: tuple[int, int] | None = None


@dataclass(frozen=True)
class OracleFindings:
    """What an oracle that saw every batch size knows beyond the answer."""

    monotone: bool
    """Every batch up to the largest feasible one is feasible: a search may stop at the first
    infeasible batch after a feasible one."""
    first_infeasible_minus_one: int
    first_infeasible_reason: StopReason | None


@dataclass(frozen=True)
class Outcome:
    """A search's answer: the largest feasible batch it found, or None and why."""

    batch_size: int | None
    early_stop: StopReason | None = None
    details: dict[str, object] = field(default_factory=dict)
    oracle: OracleFindings | None = None


@dataclass(frozen=True)
class SearchResult:
    search: str
    batch_size: int | None
    probes: int
    sequence: tuple[int, ...]
    trace: tuple[Observation, ...]
    early_stop: StopReason | None
    details: dict[str, object] = field(default_factory=dict)
    oracle: OracleFindings | None = None
    binary_search_from: int | None = None
    """Index in ``trace`` where the search's binary search began, if it ran one."""
    failure: str | None = None
    """Why the search did not finish (it raised, returned no Outcome, probed a batch size that
    is not one, or ran out of its probe budget or time): one line, and no answer."""
    seconds: float | None = None
    """What msmodeling would spend on this search on this strategy (its task: the model build
    and every probe's forwards), on the calibration machine; None where nothing priced it."""
    probe_seconds: tuple[float, ...] = ()
    """The share of ``seconds`` each probe cost, in ``sequence`` order."""

    @property
    def answer(self) -> Observation | None:
        """The probe that showed the answer feasible, if the search made it."""
        for observation in reversed(self.trace):
            if observation.batch_size == self.batch_size and observation.feasible:
                return observation
        return None

    @property
    def chosen(self) -> Observation | None:
        """The row msmodeling would report: from its binary-search probes only (all probes for a
        search that runs none), by msmodeling's sort (``reported_row``)."""
        start = self.binary_search_from
        return reported_row(self.trace if start is None else self.trace[start:])


def reported_row(observations: Sequence[Observation]) -> Observation | None:
    """msmodeling's pick among feasible rows (``base_throughput_optimizer._run_once`` and
    ``optimizer_summary._prepare_agg_disagg_results``): sort by token/s ascending, round to 3
    decimals, sort descending and take the first. A unique best rounded value is that row; ties
    are left to pandas' sorts, so they fall exactly as they do in msmodeling."""
    feasible = [o for o in observations if o.feasible]
    if not feasible:
        return None
    rates = [o.tokens_per_s for o in feasible]
    if all(math.isfinite(rate) for rate in rates):
        # numpy's round(x, 3): x * 1000 rounded half to even, over 1000; no numpy for a probe.
        rounded = [round(rate * 1000) / 1000 for rate in rates]
        top = max(rounded)
        if rounded.count(top) == 1:
            return feasible[rounded.index(top)]
    import pandas as pd

    frame = pd.DataFrame(
        {"row": range(len(feasible)), "token/s": [o.tokens_per_s for o in feasible]}
    )
    frame = frame.sort_values(by=["token/s"], ascending=[True]).round(3)
    frame = frame.sort_values(by="token/s", ascending=False)
    return feasible[int(frame["row"].iloc[0])]


def binary_search(probe: ProbeRecorder, left: int, right: int) -> int:
    """msmodeling's inclusive binary search; returns the last right bound."""
    probe.binary_search_from = len(probe.trace)
    while left <= right:
        mid = (left + right) // 2
        if probe(mid).feasible:
            left = mid + 1
        else:
            right = mid - 1
    return right


def start_range(context: SearchContext) -> tuple[int, int]:
    if context.batch_range is None:
        return 1, INITIAL_RIGHT
    return context.batch_range
