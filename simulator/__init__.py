"""An analytic Ascend serving simulator modelled on msmodeling's throughput-optimizer probe.

It knows nothing of the harness: give it a Deployment and batch sizes, get ProbeResults. This
module is its one door: everything outside the simulator imports from here.
"""

from simulator import chunked
from simulator.deployment import (
    AUTO_MAX_BATCHED_TOKENS_FACTORS,
    DEFAULT_MTP_ACCEPTANCE_RATES,
    DEFAULT_RESERVED_MEMORY_GB,
    MAX_MTP_TOKENS,
    Deployment,
    Phase,
)
from simulator.devices import DEVICES, DeviceProfile, get_device
from simulator.errors import SimulatorInputError
from simulator.models import BUNDLED_MODELS, ModelConfig, load_model
from simulator.parallel import ParallelConfig, enumerate_parallel, make_parallel
from simulator.quantization import KVQuant, LinearQuant
from simulator.results import REASONS, ProbeResult, StopReason, SweepResult
from simulator.serving import Simulator, forget, probe, sweep

__all__ = [
    "AUTO_MAX_BATCHED_TOKENS_FACTORS",
    "BUNDLED_MODELS",
    "DEFAULT_MTP_ACCEPTANCE_RATES",
    "DEFAULT_RESERVED_MEMORY_GB",
    "DEVICES",
    "MAX_MTP_TOKENS",
    "REASONS",
    "Deployment",
    "DeviceProfile",
    "KVQuant",
    "LinearQuant",
    "ModelConfig",
    "ParallelConfig",
    "Phase",
    "ProbeResult",
    "Simulator",
    "SimulatorInputError",
    "StopReason",
    "SweepResult",
    "chunked",
    "enumerate_parallel",
    "forget",
    "get_device",
    "load_model",
    "make_parallel",
    "probe",
    "sweep",
]
