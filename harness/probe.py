"""The narrow interface between searches and the simulator.

A search sees a ``ProbeTarget``: call it with a batch size to get an ``Observation``, or ask it
to ``sweep`` many sizes at once (the oracle's vectorized path). A ``ProbeRecorder`` wraps any
target, counts every call as the real tool would pay for it, and keeps the trace in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from simulator import Deployment, Simulator, SweepResult


@dataclass(frozen=True)
class Observation:
    """What one probe tells a search: the verdict and the metrics estimates can use."""

    batch_size: int
    feasible: bool
    reason: str | None
    tpot_ms: float | None
    ttft_ms: float | None
    available_gib: float
    per_request_gib: float
    tokens_per_s: float = 0.0

    @property
    def memory_after_weights_gib(self) -> float:
        """Memory left for KV cache and activations, the same at every batch size.

        msmodeling defines per-request memory as (total - weights - reserved - available) / batch,
        so this is that definition solved for what the batch shares.
        """
        return self.available_gib + self.batch_size * self.per_request_gib


@dataclass(frozen=True)
class SweepObservations:
    """Column arrays over many batch sizes, as the vectorized sweep returns them."""

    batch_size: np.ndarray
    feasible: np.ndarray
    reason: np.ndarray
    tpot_ms: np.ndarray
    ttft_ms: np.ndarray
    available_gib: np.ndarray
    per_request_gib: np.ndarray
    tokens_per_s: np.ndarray

    def observation(self, index: int) -> Observation:
        def optional(value: float) -> float | None:
            return None if np.isnan(value) else float(value)

        return Observation(
            batch_size=int(self.batch_size[index]),
            feasible=bool(self.feasible[index]),
            reason=self.reason[index] or None,
            tpot_ms=optional(self.tpot_ms[index]),
            ttft_ms=optional(self.ttft_ms[index]),
            available_gib=float(self.available_gib[index]),
            per_request_gib=float(self.per_request_gib[index]),
            tokens_per_s=float(self.tokens_per_s[index]),
        )


class ProbeTarget(Protocol):
    def __call__(self, batch_size: int) -> Observation: ...

    def sweep(self, batch_sizes: np.ndarray) -> SweepObservations: ...


class SimulatorTarget:
    """Adapts one deployment of the simulator to the probe interface."""

    def __init__(self, deployment: Deployment) -> None:
        self.simulator = Simulator(deployment)

    def sweep(self, batch_sizes: np.ndarray) -> SweepObservations:
        result: SweepResult = self.simulator.sweep(batch_sizes)
        return SweepObservations(
            batch_size=result.batch_size,
            feasible=result.feasible,
            reason=result.reason,
            tpot_ms=result.tpot_ms,
            ttft_ms=result.ttft_ms,
            available_gib=result.available_gib,
            per_request_gib=result.per_request_gib,
            tokens_per_s=result.tokens_per_s,
        )

    def __call__(self, batch_size: int) -> Observation:
        return self.sweep(np.array([batch_size])).observation(0)


@dataclass
class ProbeRecorder:
    """Counts and traces every probe a search makes through it. Repeats are paid again."""

    target: ProbeTarget
    trace: list[Observation] = field(default_factory=list)
    swept: int = 0

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
