"""A second, independent count of what a search spends, kept between the recorder and the
target: the recorder's tally is what the search could reach, the witness only sees calls go
through. A run whose two counts disagree has had its record altered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.probe.observation import Observation, SweepObservations
from harness.probe.target import ProbeTarget

if TYPE_CHECKING:
    import numpy as np


class Witness:
    """A probe target that counts every evaluation it passes on (sizes swept count one each)."""

    __slots__ = ("_target", "evaluations")

    def __init__(self, target: ProbeTarget) -> None:
        self._target = target
        self.evaluations = 0

    def __call__(self, batch_size: int) -> Observation:
        self.evaluations += 1
        return self._target(batch_size)

    def sweep(self, batch_sizes: np.ndarray) -> SweepObservations:
        self.evaluations += int(batch_sizes.size)
        return self._target.sweep(batch_sizes)

    def infeasible_above(self) -> int | None:
        known = getattr(self._target, "infeasible_above", None)
        return None if known is None else known()
