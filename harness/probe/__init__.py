"""The probe interface: what a search may ask of the simulator, and the recorder that counts it."""

from harness.probe.observation import Observation, StopReason, SweepObservations, stop_reason
from harness.probe.recorder import ProbeRecorder, repeated
from harness.probe.target import ProbeTarget, SimulatorTarget, SweptTarget

__all__ = [
    "Observation",
    "ProbeRecorder",
    "ProbeTarget",
    "SimulatorTarget",
    "StopReason",
    "SweepObservations",
    "SweptTarget",
    "repeated",
    "stop_reason",
]
