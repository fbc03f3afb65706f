"""The harness's one door into the simulator: the only module that imports it.

It hands out the simulator's names and constants, builds deployments (each once), keeps one
``Simulator`` per deployment, and turns every refusal of the simulator into a ``DeploymentError``
naming the request field to blame. Everything else in the harness reaches the simulator here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

from harness.errors import DeploymentError
from simulator import (
    AUTO_MAX_BATCHED_TOKENS_FACTORS,
    BUNDLED_MODELS,
    DEFAULT_MTP_ACCEPTANCE_RATES,
    DEFAULT_MXFP4_GROUP_SIZE,
    DEFAULT_RESERVED_MEMORY_GB,
    DEVICES,
    MAX_MTP_TOKENS,
    Deployment,
    KVQuant,
    LengthBin,
    Lengths,
    LinearQuant,
    ModelConfig,
    ParallelConfig,
    Phase,
    SimulatorInputError,
    StopReason,
    WordEmbeddingTP,
    enumerate_parallel,
    get_device,
    load_model,
    make_parallel,
)
from simulator.dcp import dcp_sizes as _dcp_sizes
from simulator.dcp import refusal as dcp_refusal
from simulator.models import CONFIG_DIR
from simulator.speculative import MARKOV_HEADS
from simulator.speculative import METHODS as SPECULATIVE_METHODS
from simulator.speculative import label as draft_label

if TYPE_CHECKING:
    from simulator import ForwardShape as ForwardShape
    from simulator import ProbeResult as ProbeResult
    from simulator import Simulator
    from simulator import SweepResult as SweepResult

T = TypeVar("T")
KEPT_SIMULATORS = 256
"""Simulators kept at once; a fuzz run draws thousands of deployments, each needed briefly."""
_REQUEST_FIELD_OF = {
    "tp": "tp_sizes",
    "ep": "ep_sizes",
    "moe_dp": "moe_dp_sizes",
    "dcp": "dcp_sizes",
}
"""The request field to blame for a refused searched value."""

DEVICE_NAMES = tuple(DEVICES)
BUNDLED_MODEL_IDS = tuple(BUNDLED_MODELS)
LINEAR_QUANTIZATIONS = tuple(m.value for m in LinearQuant)
KV_QUANTIZATIONS = tuple(m.value for m in KVQuant)
WORD_EMBEDDING_TP_MODES = tuple(m.value for m in WordEmbeddingTP)


def __getattr__(name: str) -> object:
    """The cost model's types, loaded on first use (``door.ProbeResult``)."""
    if name in ("ForwardShape", "ProbeResult", "Simulator", "SweepResult"):
        import simulator

        return getattr(simulator, name)
    raise AttributeError(f"module 'harness.door' has no attribute {name!r}")


def simulator_call(make: Callable[[], T]) -> T:
    """Run a simulator call, naming the request field in any refusal."""
    try:
        return make()
    except SimulatorInputError as error:
        field = _REQUEST_FIELD_OF.get(error.field, error.field)
        raise DeploymentError(field, str(error).split(": ", 1)[1]) from None


def lengths(bins) -> Lengths:
    """A length distribution from (min_tokens, max_tokens, weight) triples, checked as
    msmodeling checks its bins."""
    return simulator_call(lambda: Lengths(tuple(LengthBin(*b) for b in bins)))


def model(name: str) -> ModelConfig:
    return simulator_call(lambda: load_model(name))


def model_config_json(name: str) -> dict:
    """A bundled model's config.json, as a mapping to copy and change."""
    key = next((k for k in BUNDLED_MODELS if k.lower() == name.lower()), None)
    if key is None:
        raise DeploymentError("model", f"{name!r} is not a bundled model")
    return json.loads((CONFIG_DIR / BUNDLED_MODELS[key]).read_text())


def device_grid_size(name: str) -> int:
    return simulator_call(lambda: get_device(name)).grid.size


def layouts(model_name: str, num_devices: int, tp_sizes, ep_sizes, moe_dp_sizes):
    """msmodeling's enumeration of parallel layouts (``simulator.enumerate_parallel``)."""
    config = model(model_name)
    return simulator_call(
        lambda: enumerate_parallel(config, num_devices, tp_sizes, ep_sizes, moe_dp_sizes)
    )


def dcp_sizes(sizes, num_devices: int) -> list[int]:
    """msmodeling's DCP candidates (``simulator.dcp.dcp_sizes``)."""
    return simulator_call(lambda: _dcp_sizes(sizes, num_devices))


@lru_cache(maxsize=4096)
def deployment(**fields) -> Deployment:
    """The simulator's deployment of these fields (``Deployment.create``'s names), built once."""
    return simulator_call(lambda: Deployment.create(**fields))


@lru_cache(maxsize=KEPT_SIMULATORS)
def simulator(of: Deployment) -> Simulator:
    """The one simulator of a deployment, shared by every search, the oracle and the look-ups."""
    from simulator import Simulator  # the numpy cost model loads on first use

    return Simulator(of)


__all__ = [
    "AUTO_MAX_BATCHED_TOKENS_FACTORS",
    "BUNDLED_MODEL_IDS",
    "DEFAULT_MTP_ACCEPTANCE_RATES",
    "DEFAULT_MXFP4_GROUP_SIZE",
    "DEFAULT_RESERVED_MEMORY_GB",
    "DEVICE_NAMES",
    "KV_QUANTIZATIONS",
    "LINEAR_QUANTIZATIONS",
    "MARKOV_HEADS",
    "MAX_MTP_TOKENS",
    "SPECULATIVE_METHODS",
    "WORD_EMBEDDING_TP_MODES",
    "Deployment",
    "ParallelConfig",
    "Phase",
    "StopReason",
    "dcp_refusal",
    "dcp_sizes",
    "deployment",
    "device_grid_size",
    "draft_label",
    "forget",
    "layouts",
    "make_parallel",
    "model",
    "model_config_json",
    "simulator",
    "simulator_call",
]


def forget() -> None:
    """Drop every kept deployment, simulator and roofline (a benchmark's cold start)."""
    from simulator import forget as forget_simulators

    deployment.cache_clear()
    simulator.cache_clear()
    forget_simulators()
