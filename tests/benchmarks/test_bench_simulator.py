"""Timings of the simulator as the searches use it: probes through the probe interface and its
recorder on a cold simulator, and the oracle's 1..4096 sweep.

``bench/speed.py`` reports these against their targets; here pytest-benchmark records them for
``--benchmark-compare``.
"""

from __future__ import annotations

import numpy as np
import pytest

from harness import door
from harness.probe import ProbeRecorder, SimulatorTarget
from tests.simulator.calibration import main_deployment

WALK = 256
"""Distinct batch sizes per round: a search rarely probes a size twice."""


@pytest.mark.benchmark(group="simulator")
def test_probes_as_a_search_makes_them(benchmark) -> None:
    deployment = main_deployment(8, tpot_limit_ms=50)

    def cold():
        door.forget()
        return (ProbeRecorder(SimulatorTarget(deployment)),), {}

    def walk(recorder: ProbeRecorder) -> ProbeRecorder:
        for batch in range(1, WALK + 1):
            recorder(batch)
        return recorder

    recorder = benchmark.pedantic(walk, setup=cold, rounds=20)
    assert recorder.probes == WALK and recorder.trace[123].feasible


@pytest.mark.benchmark(group="simulator")
def test_sweep_1_to_4096(benchmark) -> None:
    simulator = door.simulator(main_deployment(8, tpot_limit_ms=50))
    batches = np.arange(1, 4097)
    result = benchmark(simulator.sweep, batches)
    assert len(result) == 4096
