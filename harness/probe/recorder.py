"""The recorder every search probes through: it counts each evaluation as the real tool would
pay for it (repeats are paid again) and keeps the trace in order.

The count and the trace live in a tally the search never holds: a search sees the recorder,
whose ``trace`` is a read-only copy, so deleting from it or rebinding it changes nothing that
is reported. Every batch size is checked before it reaches the simulator, and a probe budget or
a deadline stops a runaway search (``ProbeStop``).
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from harness.errors import SearchbenchError
from harness.probe.observation import Observation, SweepObservations
from harness.probe.target import ProbeTarget

if TYPE_CHECKING:
    import numpy as np

    from harness.seconds import Meter

LARGEST_BATCH = 2**31 - 1
"""Far past any batch a device holds; larger sizes only overflow the cost model."""


class ProbeError(SearchbenchError):
    """A search asked for a batch size that is not one."""


class ProbeStop(BaseException):
    """A search ran out of its probe budget or its time: it stops where it is.

    A BaseException, so that a search's own ``except Exception`` cannot swallow it."""


class Tally:
    """What a search spent, kept on the recorder's side."""

    def __init__(self) -> None:
        self.trace: list[Observation] = []
        self.swept = 0

    @property
    def probes(self) -> int:
        return len(self.trace) + self.swept

    @property
    def sequence(self) -> tuple[int, ...]:
        return tuple(o.batch_size for o in self.trace)


class ProbeRecorder:
    """Counts and traces every probe a search makes through it. Repeats are paid again."""

    __slots__ = ("_cost", "_known", "_probe", "_read", "_sweep", "binary_search_from")

    def __init__(
        self,
        target: ProbeTarget,
        budget: int | None = None,
        deadline: tuple[float, float] | None = None,
        tally: Tally | None = None,
        meter: Meter | None = None,
    ) -> None:
        """``budget``: the most probes (sizes swept count one each); ``deadline``: a
        ``time.monotonic()`` past which the next probe stops the search, and its seconds;
        ``meter``: prices each probe in msmodeling's seconds (a sweep is not priced: only the
        oracle sweeps, and msmodeling never does)."""
        kept = tally if tally is not None else Tally()

        def spend(count: int) -> None:
            if budget is not None and kept.probes + count > budget:
                raise ProbeStop(f"stopped at its probe budget, {budget} probes")
            if deadline is not None and time.monotonic() > deadline[0]:
                raise ProbeStop(f"stopped at its time limit, {deadline[1]:g} s")

        def probe(batch_size: int) -> Observation:
            batch = checked(batch_size)
            spend(1)
            observation = target(batch)
            kept.trace.append(observation)
            if meter is not None:
                meter.charge(batch)
            return observation

        def sweep(batch_sizes: np.ndarray) -> SweepObservations:
            batches = checked_array(batch_sizes)
            spend(int(batches.size))
            result = target.sweep(batches)
            kept.swept += int(batches.size)
            return result

        self._probe = probe
        self._sweep = sweep
        self._read = lambda: kept
        self._known = getattr(target, "infeasible_above", None)
        self._cost = None if meter is None else lambda batch: meter.quote(checked(batch))
        self.binary_search_from: int | None = None
        """Set by a search when its binary search begins (msmodeling reports only those rows)."""

    def __call__(self, batch_size: int) -> Observation:
        return self._probe(batch_size)

    def sweep(self, batch_sizes: np.ndarray) -> SweepObservations:
        return self._sweep(batch_sizes)

    def cost(self, batch_size: int) -> float | None:
        """What probing ``batch_size`` next would cost msmodeling, in seconds, given what this
        search probed before (None where probes are not priced). Asking costs nothing."""
        return None if self._cost is None else self._cost(batch_size)

    def infeasible_above(self) -> int | None:
        """A batch size above which the target proves every batch infeasible, if it knows one."""
        return None if self._known is None else self._known()

    @property
    def trace(self) -> tuple[Observation, ...]:
        return tuple(self._read().trace)

    @property
    def probes(self) -> int:
        return self._read().probes

    @property
    def sequence(self) -> tuple[int, ...]:
        return self._read().sequence


def checked(batch_size: object) -> int:
    """A batch size as an int in 1..LARGEST_BATCH, or a ProbeError saying what it is."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        if isinstance(batch_size, float) and math.isfinite(batch_size) and batch_size.is_integer():
            shown = f"the float {batch_size!r} (pass an int)"
        else:
            shown = repr(batch_size)[:60]
        raise ProbeError(f"probed {shown}: batch sizes are integers 1..{LARGEST_BATCH:,}")
    batch = int(batch_size)
    if not 1 <= batch <= LARGEST_BATCH:
        raise ProbeError(f"probed batch {batch}: batch sizes are integers 1..{LARGEST_BATCH:,}")
    return batch


def checked_array(batch_sizes: object) -> np.ndarray:
    import numpy as np

    batches = np.atleast_1d(np.asarray(batch_sizes))
    if batches.ndim != 1 or (batches.size and not np.issubdtype(batches.dtype, np.integer)):
        raise ProbeError(f"swept {batches.dtype} sizes: batch sizes are integers")
    if batches.size and not (batches.min() >= 1 and batches.max() <= LARGEST_BATCH):
        raise ProbeError(f"swept sizes outside 1..{LARGEST_BATCH:,}")
    return batches.astype(np.int64)


def repeated(sequence: Sequence[int]) -> list[int]:
    seen: set[int] = set()
    repeats = []
    for batch in sequence:
        if batch in seen:
            repeats.append(batch)
        seen.add(batch)
    return repeats
