"""The narrow interface between searches and the simulator.

A search sees a ``ProbeTarget``: call it with a batch size to get an ``Observation``, or ask it
to ``sweep`` many sizes at once (the oracle's vectorized path).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from harness.probe.observation import Observation, SweepObservations
from simulator import Deployment, Simulator, SweepResult


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
