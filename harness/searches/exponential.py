"""The baseline: msmodeling's 'exponential' search (serving model §1.8), exactly.

Probe batch 1 (drop the strategy if it fails), double from 512 up to 10 times until a probe
fails, then binary-search the bracket inclusively. Like msmodeling it may re-probe a bracket end
it has already probed (e.g. batch 1 when only batch 1 fits).
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.probe import ProbeRecorder
from harness.searches.base import (
    MAX_ITER_NUMS,
    Outcome,
    SearchContext,
    binary_search,
    check_doublings,
    start_range,
)


@dataclass(frozen=True)
class ExponentialParams:
    max_doublings: int = MAX_ITER_NUMS

    def __post_init__(self) -> None:
        check_doublings(self.max_doublings)


def exponential(probe: ProbeRecorder, params: ExponentialParams, context: SearchContext) -> Outcome:
    left, right = start_range(context)
    first = probe(left)
    if not first.feasible:
        return Outcome(None, early_stop=first.reason)
    if context.batch_range is None:
        for _ in range(params.max_doublings):
            if not probe(right).feasible:
                break
            left, right = right, 2 * right
    return Outcome(binary_search(probe, left, right), details={"bracket": (left, right)})
