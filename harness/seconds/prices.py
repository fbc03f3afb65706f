"""The price list: what each thing msmodeling does costs in wall seconds, per model class and
mode, with the runs each price comes from. One table, read by the meter and nothing else.

A forward's eager cost grows with the model, not the batch (msmodeling traces the same ops
whatever the shape): seconds per decoder layer, plus per MoE layer and expert a rank runs.
Compiled forwards are priced as multiples of the eager one: torch compiles the first distinct
shapes of each kind (prefill, decode), and afterwards a dense model reuses its graph while an
MoE model recompiles nearly every new shape.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
    routed_share: float
    """Of a forward's tokens, the share each expert receives (experts per token / experts)."""

    @classmethod
    def of(cls, deployment: door.Deployment) -> Workload:
        model = deployment.model
        if not model.is_moe:
            return cls(model.num_layers, 0, 0, 0.0)
        local = -(-model.num_experts // deployment.parallel.ep)
        share = model.experts_per_token / model.num_experts
        return cls(model.num_layers, model.moe_layers, local, share)


@dataclass(frozen=True)
class Prices:
    startup_s: float
    """Once per msmodeling process: imports, CLI and pool before the first task, and the
    teardown after the last."""
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
    recompile_below_tokens_per_expert: float = 0.0
    """Compiled MoE: a new shape past the compiling ones compiles again when each expert gets
    fewer tokens than this (torch re-specializes the routed token counts of small batches)."""
    source: str = ""

    def eager_s(self, workload: Workload, tokens: int) -> float:
        """An eager forward of ``tokens`` tokens. msmodeling runs only the experts that receive
        tokens, and its router gives each token one expert on a rank: a decode of fewer tokens
        than the rank's experts runs that many (c4: 8 tokens 3.3 s, 32 tokens 8.3 s, 64 and
        more 14.5 s with 64 experts a rank)."""
        experts = workload.moe_layers * min(workload.local_experts, tokens)
        return self.layer_s * workload.layers + self.expert_layer_s * experts

    def saturated_s(self, workload: Workload) -> tuple[int, float]:
        """From how many tokens an eager forward runs every expert on the rank, and what it
        costs from there on (``eager_s`` of any such count)."""
        return workload.local_experts, self.eager_s(workload, workload.local_experts)


_RECORDS = "tests/calibration/seconds"
_STARTUP_S = 9.0
"""7.1-7.8 s from launch to the first task and 1.6-1.9 s after the last (c4, c5, c6, c9)."""
_DENSE_LAYER_S = 0.0117
"""Qwen3-32B's eager forward, 0.75 s over 64 layers (c9's uncompiled-shape forwards x 1/0.4)."""


def _eager(expert_layer_s: float, source: str) -> Prices:
    return Prices(_STARTUP_S, 1.1, _DENSE_LAYER_S, expert_layer_s, 0.002, source=source)


_DENSE = _eager(0.0, f"{_RECORDS}: q_c1_* (Qwen3-8B, 36 layers)")
_MOE = _eager(
    0.00454,
    f"{_RECORDS}: c4_* (Qwen3-30B-A3B EP 2, 64 experts a rank: 14.5 s a forward), "
    "c7_*, c8_* (EP 8, 16 experts a rank: 4 s)",
)
_MLA = _eager(0.0048, f"{_RECORDS}: c6_* (DeepSeek-V3 TP4 EP16, MTP 1: 5.2-9.8 s a forward)")
_COMPILED_MOE = dict(
    compiling_shapes=2,
    compile_eager_multiple=6.5,
    new_eager_multiple=0.76,
    repeat_eager_multiple=0.76,
    recompile_below_tokens_per_expert=16.0,
)
"""c5_* (Qwen3-30B-A3B EP 2): a compiling forward 6.5x its eager one, 94-97 s at 64 experts;
decode batches of 256+ tokens 10-11 s, of 128 and fewer compiling again."""
PRICES: dict[tuple[ModelClass, bool], Prices] = {
    (ModelClass.DENSE, False): _DENSE,
    (ModelClass.DENSE, True): replace(
        _DENSE,
        compiling_shapes=2,
        compile_s=3.0,
        compile_eager_multiple=3.0,
        new_eager_multiple=0.4,
        repeat_eager_multiple=0.4,
        source=f"{_RECORDS}: c9_* (Qwen3-32B, compiling forwards 4.4-7.4 s, later 0.3 s), q_c2_*",
    ),
    (ModelClass.MOE, False): _MOE,
    (ModelClass.MOE, True): replace(_MOE, **_COMPILED_MOE, source=f"{_RECORDS}: c5_*"),
    (ModelClass.MLA, False): _MLA,
    (ModelClass.MLA, True): replace(
        _MLA, **_COMPILED_MOE, source="as MoE compiled: no compiled DeepSeek-V3 run timed"
    ),
}
"""Calibrated on this project's 2-core calibration machine from msmodeling 84fec85 runs timed
alone on it (tests/calibration/seconds, docs/seconds.md); other machines scale with
``--time-scale``."""


def prices_for(deployment: door.Deployment) -> Prices:
    return PRICES[model_class(deployment.model), deployment.compile]
