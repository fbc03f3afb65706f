"""The probe interface: what a search may ask of the simulator, and the recorder that counts it."""

from harness.door import StopReason
from harness.probe.observation import Observation, SweepObservations, stop_reason
from harness.probe.recorder import ProbeError, ProbeRecorder, ProbeStop, Tally, repeated
from harness.probe.target import ProbeTarget, SimulatorTarget, SweptTarget, observe

__all__ = [
    "Observation",
    "ProbeError",
    "ProbeRecorder",
    "ProbeStop",
    "ProbeTarget",
    "SimulatorTarget",
    "StopReason",
    "SweepObservations",
    "SweptTarget",
    "Tally",
    "observe",
    "repeated",
    "stop_reason",
]
