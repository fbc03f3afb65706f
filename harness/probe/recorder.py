"""The recorder every search probes through: it counts each call as the real tool would pay for
it (repeats are paid again) and keeps the trace in order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from harness.probe.observation import Observation, SweepObservations
from harness.probe.target import ProbeTarget


@dataclass
class ProbeRecorder:
    """Counts and traces every probe a search makes through it. Repeats are paid again."""

    target: ProbeTarget
    trace: list[Observation] = field(default_factory=list)
    swept: int = 0
    binary_search_from: int | None = None
    """Set by a search when its binary search begins (msmodeling reports only those rows)."""

    def __call__(self, batch_size: int) -> Observation:
        observation = self.target(int(batch_size))
        self.trace.append(observation)
        return observation

    def sweep(self, batch_sizes: np.ndarray) -> SweepObservations:
        result = self.target.sweep(batch_sizes)
        self.swept += int(np.asarray(batch_sizes).size)
        return result

    @property
    def probes(self) -> int:
        return len(self.trace) + self.swept

    @property
    def sequence(self) -> tuple[int, ...]:
        return tuple(o.batch_size for o in self.trace)


def repeated(sequence: Sequence[int]) -> list[int]:
    seen: set[int] = set()
    repeats = []
    for batch in sequence:
        if batch in seen:
            repeats.append(batch)
        seen.add(batch)
    return repeats
