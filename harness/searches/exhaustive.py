"""The oracle: evaluate every batch size in [1, cap] through the vectorized sweep.

It sweeps in chunks that double from ``first_chunk`` up to ``chunk`` and stops after a chunk in
which every size is out of memory: memory use only grows with the batch, so nothing past such a
chunk can fit. It sweeps no further than one past a batch the simulator proves every larger
batch infeasible above (``infeasible_above``). Doubling keeps small deployments cheap where a
size costs a whole replay (chunked prefill) while large ones still sweep in large vectorized
chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.probe import ProbeRecorder, stop_reason
from harness.searches.base import LARGEST_REACHABLE, OracleFindings, Outcome, SearchContext


@dataclass(frozen=True)
class ExhaustiveParams:
    cap: int = LARGEST_REACHABLE
    chunk: int = 65536
    first_chunk: int = 64

    def __post_init__(self) -> None:
        if self.cap < 1 or self.chunk < 1 or not 1 <= self.first_chunk <= self.chunk:
            raise ValueError("cap and chunk must be >= 1, first_chunk 1..chunk")


def exhaustive(probe: ProbeRecorder, params: ExhaustiveParams, context: SearchContext) -> Outcome:
    import numpy as np

    low, high = context.batch_range or (1, params.cap)
    beyond = probe.infeasible_above()
    if beyond is not None:
        high = min(high, beyond + 1)
    largest = None
    first_infeasible = None
    first_reason = None
    start, size = low, params.first_chunk
    while start <= high:
        batches = np.arange(start, min(start + size, high + 1), dtype=np.int64)
        sweep = probe.sweep(batches)
        feasible = sweep.feasible
        if feasible.any():
            largest = int(batches[np.flatnonzero(feasible)[-1]])
        if first_infeasible is None and not feasible.all():
            index = int(np.argmin(feasible))
            first_infeasible = int(batches[index])
            first_reason = stop_reason(sweep.reason[index])
        if sweep.only_memory_failures():
            break
        start += size
        size = min(2 * size, params.chunk)
    boundary = high if first_infeasible is None else first_infeasible - 1
    findings = OracleFindings(
        monotone=largest == (boundary if boundary >= low else None),
        first_infeasible_minus_one=boundary,
        first_infeasible_reason=first_reason,
    )
    if largest is None:
        return Outcome(None, early_stop=first_reason, oracle=findings)
    return Outcome(largest, oracle=findings)
