"""An analytic Ascend serving simulator modelled on msmodeling's throughput-optimizer probe.

It knows nothing of the harness: give it a Deployment and batch sizes, get ProbeResults. This
module is its one door: everything outside the simulator imports from here. What describes a
deployment loads at once; the numpy cost model (``Simulator`` and its results) loads on first
use, so that a command line that only parses flags stays light.
"""

from __future__ import annotations

import importlib

from simulator.checks import MAX_MTP_TOKENS
from simulator.deployment import (
    AUTO_MAX_BATCHED_TOKENS_FACTORS,
    DEFAULT_MTP_ACCEPTANCE_RATES,
    DEFAULT_RESERVED_MEMORY_GB,
    Deployment,
    Phase,
)
from simulator.devices import DEVICES, DeviceProfile, get_device
from simulator.errors import SimulatorInputError
from simulator.lengths import LengthBin, Lengths
from simulator.linears import DEFAULT_MXFP4_GROUP_SIZE, WordEmbeddingTP
from simulator.models import BUNDLED_MODELS, ModelConfig, load_model
from simulator.parallel import ParallelConfig, enumerate_parallel, make_parallel
from simulator.quantization import KVQuant, LinearQuant
from simulator.reasons import REASONS, StopReason

_LATER = {
    "Simulator": "simulator.serving",
    "forget": "simulator.serving",
    "probe": "simulator.serving",
    "sweep": "simulator.serving",
    "ProbeResult": "simulator.results",
    "SweepResult": "simulator.results",
    "chunked": "simulator.chunked",
    "ForwardShape": "simulator.phases.forwards",
}


def __getattr__(name: str) -> object:
    if name not in _LATER:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    module = importlib.import_module(_LATER[name])
    return module if name == "chunked" else getattr(module, name)


__all__ = [
    "AUTO_MAX_BATCHED_TOKENS_FACTORS",
    "BUNDLED_MODELS",
    "DEFAULT_MTP_ACCEPTANCE_RATES",
    "DEFAULT_MXFP4_GROUP_SIZE",
    "DEFAULT_RESERVED_MEMORY_GB",
    "DEVICES",
    "MAX_MTP_TOKENS",
    "REASONS",
    "Deployment",
    "DeviceProfile",
    "ForwardShape",
    "KVQuant",
    "LengthBin",
    "Lengths",
    "LinearQuant",
    "ModelConfig",
    "ParallelConfig",
    "Phase",
    "ProbeResult",
    "Simulator",
    "SimulatorInputError",
    "StopReason",
    "SweepResult",
    "WordEmbeddingTP",
    "chunked",
    "enumerate_parallel",
    "forget",
    "get_device",
    "load_model",
    "make_parallel",
    "probe",
    "sweep",
]
