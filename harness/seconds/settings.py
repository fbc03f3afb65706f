"""The machine a projection is for: how fast it is against the one the prices were measured
on, and how many strategies msmodeling runs at once there."""

from __future__ import annotations

from dataclasses import dataclass

MSMODELING_JOBS = 8
"""msmodeling's ``--jobs`` default (cli/inference/throughput_optimizer.py)."""
CALIBRATION_CORES = 2
"""Cores of the machine the prices were measured on: jobs beyond them share the cores."""


@dataclass(frozen=True)
class TimeSettings:
    scale: float = 1.0
    """Multiplies every price: 0.5 for a machine twice as fast as the calibration machine."""
    jobs: int = MSMODELING_JOBS
    cores: int = CALIBRATION_CORES

    def __post_init__(self) -> None:
        if not (self.scale > 0 and self.scale < float("inf")):
            raise ValueError(f"time scale must be a positive number, got {self.scale!r}")
        if self.jobs < 1 or self.cores < 1:
            raise ValueError("jobs and cores must be >= 1")

    @property
    def workers(self) -> int:
        """Strategies that run side by side at full speed: two jobs on the 2 cores take 62.2 s
        where one takes 114.1 s (c9_mission_exp_j2, _j1 in tests/calibration/seconds)."""
        return min(self.jobs, self.cores)


CALIBRATION = TimeSettings()
"""The calibration machine, with msmodeling's default jobs: the projection's default."""
