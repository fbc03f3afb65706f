"""An analytic Ascend serving simulator modelled on msmodeling's throughput-optimizer probe.

It knows nothing of the harness: give it a Deployment and batch sizes, get ProbeResults.
"""

from simulator.deployment import Deployment, Mode
from simulator.devices import DEVICES, DeviceProfile, get_device
from simulator.errors import SimulatorInputError
from simulator.models import BUNDLED_MODELS, ModelConfig, load_model
from simulator.parallel import ParallelConfig, enumerate_parallel
from simulator.quantization import KVQuant, LinearQuant
from simulator.serving import REASONS, ProbeResult, Simulator, SweepResult, probe, sweep

__all__ = [
    "BUNDLED_MODELS",
    "DEVICES",
    "REASONS",
    "Deployment",
    "DeviceProfile",
    "KVQuant",
    "LinearQuant",
    "Mode",
    "ModelConfig",
    "ParallelConfig",
    "ProbeResult",
    "Simulator",
    "SimulatorInputError",
    "SweepResult",
    "enumerate_parallel",
    "get_device",
    "load_model",
    "probe",
    "sweep",
]
