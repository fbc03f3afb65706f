"""A whole msmodeling run of one search: the start-up once, then its strategies as tasks over
the worker processes, in enumeration order, each to the first free worker."""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from harness.seconds.settings import TimeSettings


def whole_run_s(startup_s: float, task_s: Sequence[float], settings: TimeSettings) -> float:
    """Start-up plus the makespan of the strategies' tasks (each what its meter spent), both
    on the calibration machine, scaled to the settings' machine."""
    workers = [0.0] * min(settings.workers, max(len(task_s), 1))
    for seconds in task_s:
        heapq.heappush(workers, heapq.heappop(workers) + seconds)
    return (startup_s + max(workers)) * settings.scale
