"""The price list: what each thing msmodeling does costs in wall seconds, per model class and
mode, with the runs each price comes from. One table, read by the meter and nothing else.

A forward's eager cost grows with the model, not the batch (msmodeling traces the same ops
whatever the shape): seconds per decoder layer, plus per MoE layer and expert a rank runs.
Compiled forwards are priced as multiples of the eager one: torch compiles the first distinct
shapes of each kind (prefill, decode), and afterwards a dense model reuses its graph while an
MoE model recompiles nearly every new shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from harness import door


class ModelClass(str, Enum):
    DENSE = "dense"
    MOE = "moe"
    MLA = "mla"
    """DeepSeek-style: MLA attention with routed experts."""


def model_class(model: door.ModelConfig) -> ModelClass:
    if model.mla is not None:
        return ModelClass.MLA
    return ModelClass.MOE if model.is_moe else ModelClass.DENSE


@dataclass(frozen=True)
class Workload:
    """What drives a forward's cost on one rank: its layers and the experts it runs."""

    layers: int
    moe_layers: int
    local_experts: int

    @classmethod
    def of(cls, deployment: door.Deployment) -> Workload:
        model = deployment.model
        local = -(-model.num_experts // deployment.parallel.ep) if model.is_moe else 0
        return cls(model.num_layers, model.moe_layers, local)


@dataclass(frozen=True)
class Prices:
    startup_s: float
    """Once per msmodeling process: imports (torch, transformers, msmodeling), CLI, pool."""
    build_s: float
    """Once per strategy: msmodeling builds a ModelRunner (and resets torch.compile) per task."""
    layer_s: float
    """An eager forward, per decoder layer."""
    expert_layer_s: float
    """An eager forward, per MoE layer and expert on the rank."""
    memo_hit_s: float
    """A forward msmodeling finds in its per-search memo: no model runs."""
    compiling_shapes: int = 0
    """Compiled: the first distinct shapes of each kind that torch compiles (0: eager)."""
    compile_s: float = 0.0
    compile_eager_multiple: float = 0.0
    """A compiling forward costs compile_s + this multiple of the eager forward."""
    new_eager_multiple: float = 1.0
    """A compiled forward of a new shape past the compiling ones, as a multiple of eager."""
    repeat_eager_multiple: float = 1.0
    """A compiled forward of a shape torch has seen (not memoized by the optimizer)."""
    source: str = ""

    def eager_s(self, workload: Workload) -> float:
        experts = workload.moe_layers * workload.local_experts
        return self.layer_s * workload.layers + self.expert_layer_s * experts


_TIMING = "../shared/reference/msmodeling-timing.md"
PRICES: dict[tuple[ModelClass, bool], Prices] = {
    (ModelClass.DENSE, False): Prices(
        startup_s=12.0,
        build_s=1.3,
        layer_s=0.0117,
        expert_layer_s=0.0,
        memo_hit_s=0.002,
        source=f"{_TIMING}: K5 (Llama-3.1-8B, 0.42 s per forward, 36 layers), K7, X2",
    ),
    (ModelClass.DENSE, True): Prices(
        startup_s=12.0,
        build_s=1.3,
        layer_s=0.0117,
        expert_layer_s=0.0,
        memo_hit_s=0.002,
        compiling_shapes=2,
        compile_s=4.0,
        compile_eager_multiple=3.0,
        new_eager_multiple=0.3,
        repeat_eager_multiple=0.25,
        source=f"{_TIMING}: K4 and X2, fwd_timing (8 s per compiling shape for 32B)",
    ),
    (ModelClass.MOE, False): Prices(
        startup_s=12.0,
        build_s=2.4,
        layer_s=0.0117,
        expert_layer_s=0.0008,
        memo_hit_s=0.002,
        source=f"{_TIMING}: K1, K2, X1 (Qwen3-30B-A3B, 3.8-8.5 s per forward)",
    ),
    (ModelClass.MOE, True): Prices(
        startup_s=12.0,
        build_s=2.4,
        layer_s=0.0117,
        expert_layer_s=0.0008,
        memo_hit_s=0.002,
        compiling_shapes=1_000_000,
        compile_s=10.0,
        compile_eager_multiple=3.0,
        new_eager_multiple=3.0,
        repeat_eager_multiple=0.5,
        source=f"{_TIMING}: K3 (Qwen3-235B-A22B, most new decode shapes recompile, 17-38 s)",
    ),
    (ModelClass.MLA, False): Prices(
        startup_s=12.0,
        build_s=2.6,
        layer_s=0.0117,
        expert_layer_s=0.0048,
        memo_hit_s=0.002,
        source=f"{_TIMING}: K6 (DeepSeek-V3 TP8 EP16, 5.7 s per forward)",
    ),
    (ModelClass.MLA, True): Prices(
        startup_s=12.0,
        build_s=2.6,
        layer_s=0.0117,
        expert_layer_s=0.0048,
        memo_hit_s=0.002,
        compiling_shapes=1_000_000,
        compile_s=10.0,
        compile_eager_multiple=3.0,
        new_eager_multiple=3.0,
        repeat_eager_multiple=0.5,
        source="assumed as MoE compiled: no compiled DeepSeek-V3 run measured",
    ),
}
"""Provisional: from the shared reference's contended two-lane runs, to be replaced by runs
timed on the calibration machine (see docs/seconds.md)."""


def prices_for(deployment: door.Deployment) -> Prices:
    return PRICES[model_class(deployment.model), deployment.compile]
