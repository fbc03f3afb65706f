"""The recorder every search probes through: it counts each evaluation as the real tool would
pay for it (repeats are paid again) and keeps the trace in order."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from harness.probe.observation import Observation, SweepObservations
from harness.probe.target import ProbeTarget


class ProbeRecorder:
    """Counts and traces every probe a search makes through it. Repeats are paid again."""

    def __init__(self, target: ProbeTarget) -> None:
        self._target = target
        self._trace: list[Observation] = []
        self._swept = 0
        self.binary_search_from: int | None = None
        """Set by a search when its binary search begins (msmodeling reports only those rows)."""

    def __call__(self, batch_size: int) -> Observation:
        observation = self._target(int(batch_size))
        self._trace.append(observation)
        return observation

    def sweep(self, batch_sizes: np.ndarray) -> SweepObservations:
        result = self._target.sweep(batch_sizes)
        self._swept += int(np.asarray(batch_sizes).size)
        return result

    def infeasible_above(self) -> int | None:
        """A batch size above which the target proves every batch infeasible, if it knows one."""
        known = getattr(self._target, "infeasible_above", None)
        return None if known is None else known()

    @property
    def trace(self) -> tuple[Observation, ...]:
        return tuple(self._trace)

    @property
    def probes(self) -> int:
        return len(self._trace) + self._swept

    @property
    def sequence(self) -> tuple[int, ...]:
        return tuple(o.batch_size for o in self._trace)


def repeated(sequence: Sequence[int]) -> list[int]:
    seen: set[int] = set()
    repeats = []
    for batch in sequence:
        if batch in seen:
            repeats.append(batch)
        seen.add(batch)
    return repeats
