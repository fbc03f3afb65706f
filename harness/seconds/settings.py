"""The machine a projection is for: how fast it is against the one the prices were measured
on, and how many strategies msmodeling runs at once there."""

from __future__ import annotations

from dataclasses import dataclass

MSMODELING_JOBS = 8
"""msmodeling's ``--jobs`` default (cli/inference/throughput_optimizer.py)."""
CALIBRATION_CORES = 2
"""Cores of the machine the prices were measured on: jobs beyond them share the cores."""
SHARED_LANE_SLOWDOWN = 1.44
"""A task runs 1.44x slower while another runs beside it on the 2 cores (memory bandwidth and
torch's own threads): c9_mission_exp_j2 against c9_mission_exp_j1 (tests/calibration/seconds)."""


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
        """Strategies that run side by side."""
        return min(self.jobs, self.cores)

    @property
    def slowdown(self) -> float:
        """How much slower a task runs beside the others than alone."""
        return SHARED_LANE_SLOWDOWN if self.workers > 1 else 1.0


CALIBRATION = TimeSettings()
"""The calibration machine, with msmodeling's default jobs: the projection's default."""
