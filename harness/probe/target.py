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
        return self.observe(self.simulator.sweep(batch_sizes))

    @staticmethod
    def observe(result: SweepResult) -> SweepObservations:
        """What a search may see of a simulator sweep."""
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


class SweptTarget:
    """A simulator target that evaluates batches 1..``span`` once, in one vectorized sweep, and
    answers every later probe or sweep inside that span from it.

    The sweep and the scalar probe are equal bit for bit (tests/simulator), so a search sees the
    same observations either way; running several searches and the oracle on one deployment
    then costs about one sweep. Outside the span it probes the simulator directly.
    """

    def __init__(self, deployment: Deployment, span: int = 4096) -> None:
        self.simulator = Simulator(deployment)
        self.span = span
        self._swept: SweepObservations | None = None

    def _all(self) -> SweepObservations:
        if self._swept is None:
            self._swept = SimulatorTarget.observe(self.simulator.sweep(np.arange(1, self.span + 1)))
        return self._swept

    def __call__(self, batch_size: int) -> Observation:
        if 1 <= batch_size <= self.span:
            return self._all().observation(batch_size - 1)
        return SimulatorTarget.observe(self.simulator.sweep(np.array([batch_size]))).observation(0)

    def sweep(self, batch_sizes: np.ndarray) -> SweepObservations:
        batches = np.asarray(batch_sizes)
        if batches.size and batches.min() >= 1 and batches.max() <= self.span:
            swept = self._all()
            index = batches - 1
            return SweepObservations(
                **{
                    name: getattr(swept, name)[index]
                    for name in SweepObservations.__dataclass_fields__
                }
            )
        return SimulatorTarget.observe(self.simulator.sweep(batches))
