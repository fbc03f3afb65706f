"""The narrow interface between searches and the simulator.

A search sees a ``ProbeTarget``: call it with a batch size to get an ``Observation``, or ask it
to ``sweep`` many sizes at once (the oracle's vectorized path). A target serves one deployment's
shared simulator (``harness.door.simulator``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from harness import door
from harness.probe.observation import Observation, SweepObservations

if TYPE_CHECKING:
    import numpy as np


class ProbeTarget(Protocol):
    def __call__(self, batch_size: int) -> Observation: ...

    def sweep(self, batch_sizes: np.ndarray) -> SweepObservations: ...


def observe(result: door.ProbeResult) -> Observation:
    """What a search may see of one probe."""
    return Observation(
        result.batch_size,
        result.feasible,
        result.reason,
        result.tpot_ms,
        result.ttft_ms,
        result.available_gib,
        result.per_request_gib,
        result.tokens_per_s,
    )


def observe_sweep(result: door.SweepResult) -> SweepObservations:
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


class SimulatorTarget:
    """One deployment's simulator behind the probe interface: a probe is the simulator's
    scalar probe, a sweep its vectorized one (equal bit for bit)."""

    def __init__(self, deployment: door.Deployment) -> None:
        self.deployment = deployment
        self.simulator = door.simulator(deployment)
        self._probe = self.simulator.probe

    def __call__(self, batch_size: int) -> Observation:
        return observe(self._probe(batch_size))

    def sweep(self, batch_sizes: np.ndarray) -> SweepObservations:
        return observe_sweep(self.simulator.sweep(batch_sizes))

    def forwards_of(self, batch_size: int) -> list[door.ForwardShape]:
        """The forwards msmodeling would run to probe ``batch_size`` (what it costs there)."""
        return self.simulator.forwards_of(batch_size)

    def infeasible_above(self) -> int | None:
        return self.simulator.infeasible_above()


class SweptTarget(SimulatorTarget):
    """A target that evaluates batches 1..``span`` once, in one vectorized sweep, and answers
    every later probe or sweep inside that span from it.

    The sweep and the scalar probe are equal bit for bit (tests/simulator), so a search sees the
    same observations either way; running several searches and the oracle on one deployment
    then costs about one sweep. Outside the span it asks the simulator directly. A length
    distribution's batches replay their chunks one at a time, in a sweep too, so sweeping ahead
    would only cost: its span is 0, and every probe and sweep goes to the simulator.
    """

    def __init__(self, deployment: door.Deployment, span: int = 4096) -> None:
        super().__init__(deployment)
        self.span = 0 if deployment.lengths is not None else span
        self._swept: SweepObservations | None = None

    def _all(self) -> SweepObservations:
        if self._swept is None:
            import numpy as np

            self._swept = super().sweep(np.arange(1, self.span + 1))
        return self._swept

    def __call__(self, batch_size: int) -> Observation:
        if 1 <= batch_size <= self.span:
            return self._all().observation(batch_size - 1)
        return super().__call__(batch_size)

    def sweep(self, batch_sizes: np.ndarray) -> SweepObservations:
        import numpy as np

        batches = np.asarray(batch_sizes)
        if batches.size and batches.min() >= 1 and batches.max() <= self.span:
            return self._all().take(batches - 1)
        return super().sweep(batches)
