"""Timings of the simulator itself: one probe, and the oracle's 1..4096 sweep.

Targets (one probe <= 200 us, a 1..4096 sweep <= 20 ms) are reported by ``bench/speed.py``;
here pytest-benchmark records them for ``--benchmark-compare``.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator import Simulator
from tests.simulator.calibration import main_deployment


@pytest.fixture(scope="module")
def simulator() -> Simulator:
    return Simulator(main_deployment(8, tpot_limit_ms=50))


@pytest.mark.benchmark(group="simulator")
def test_one_probe(benchmark, simulator: Simulator) -> None:
    row = benchmark(simulator.probe, 124)
    assert row.feasible


@pytest.mark.benchmark(group="simulator")
def test_sweep_1_to_4096(benchmark, simulator: Simulator) -> None:
    batches = np.arange(1, 4097)
    result = benchmark(simulator.sweep, batches)
    assert len(result) == 4096
