"""Which quantization each linear runs, as msmodeling assigns it, and word-embedding TP.

msmodeling (``tensor_cast/core/quantization/config.py``, ``create_quant_config``) registers
``--quantize-non-expert-linear-action`` first, for the non-expert linears (``*.self_attn.*``, the
dense MLP's ``gate/up/down_proj`` and the shared experts), then ``--quantize-linear-action`` for
every other linear under ``layers.*`` (the routed experts, an MTP layer's ``eh_proj``). The first
matching pattern wins, so a non-expert action of ``DISABLED`` (msmodeling's default) means "as the
linear action". MXFP4's block size is ``--mxfp4-group-size`` (default 32).

``--word-embedding-tp`` swaps the main model's ``embed_tokens`` for msmodeling's
``ParallelEmbedding`` over the attention-TP group (``tensor_cast/layers/parallel_embedding.py``):
``col`` keeps ceil(hidden / TP) columns and all-gathers them, ``row`` keeps ceil(vocab / TP) rows,
masks the ids outside them and all-reduces. The MTP layers' own embedding is not matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from simulator.dtypes import FP32
from simulator.errors import SimulatorInputError
from simulator.quantization import LinearQuant, LinearScheme, parse_linear_quant

DEFAULT_MXFP4_GROUP_SIZE = 32  # msmodeling's --mxfp4-group-size default (throughput_optimizer.py)
MAX_MXFP4_GROUP_SIZE = 10**8
"""msmodeling checks --mxfp4-group-size with serving_cast/service/utils.py's check_positive_integer:
a positive integer up to LIMIT_COUNT."""


class WordEmbeddingTP(str, Enum):
    """msmodeling's WordEmbeddingTPMode (``tensor_cast/model_config.py``)."""

    COL = "col"
    ROW = "row"


@dataclass(frozen=True)
class LinearQuantization:
    """The quantization of one class of linears: its action and MXFP4's group size."""

    action: LinearQuant
    group_size: int = DEFAULT_MXFP4_GROUP_SIZE

    @property
    def scheme(self) -> LinearScheme:
        return self.action.scheme

    @property
    def is_quantized(self) -> bool:
        return self.action.is_quantized

    @property
    def quantizes_activations(self) -> bool:
        return self.is_quantized and self.scheme.quantizes_activations

    def groups(self, k: int) -> int:
        return -(-k // self.group_size)

    def weight_scale_bytes(self, k: int, n: int) -> int:
        """MXFP4's E8M0 weight scales: one byte per output channel and block of K."""
        return n * self.groups(k) if self.scheme.block_scales else 0

    def row_scale_bytes(self, k: int) -> float:
        """The scale bytes one quantized activation row carries: its fp32 scale, or MXFP4's
        one byte per block."""
        if not self.quantizes_activations:
            return 0
        return self.groups(k) if self.scheme.block_scales else FP32


@dataclass(frozen=True)
class Linears:
    """Routed experts (and every linear no non-expert pattern matches), and the rest."""

    expert: LinearQuantization
    non_expert: LinearQuantization

    @property
    def actions(self) -> tuple[LinearQuant, LinearQuant]:
        return self.expert.action, self.non_expert.action


def resolve_linears(linear: LinearQuant, non_expert: LinearQuant, group_size: int) -> Linears:
    override = non_expert if non_expert.is_quantized else linear
    return Linears(LinearQuantization(linear, group_size), LinearQuantization(override, group_size))


def check_linears(
    model, compile: bool, linear, non_expert, group_size, word_embedding_tp
) -> dict[str, object]:
    """The four knobs parsed and validated, as ``Deployment`` fields; errors name the field."""
    linear = parse_linear_quant(linear)
    non_expert = parse_linear_quant(non_expert, "quantize_non_expert_linear_action")
    if (
        isinstance(group_size, bool)
        or not isinstance(group_size, int)
        or not 1 <= group_size <= MAX_MXFP4_GROUP_SIZE
    ):
        raise SimulatorInputError(
            "mxfp4_group_size",
            f"must be a positive integer, got {group_size!r}",
            [f"1..{MAX_MXFP4_GROUP_SIZE:,}"],
        )
    for field, action in (
        ("quantize_linear_action", linear),
        ("quantize_non_expert_linear_action", non_expert),
    ):
        if action is not LinearQuant.MXFP4:
            continue
        if compile:
            raise SimulatorInputError(
                field, "MXFP4 with compile (fused MXFP4 norms and grouped GEMMs) is not modelled"
            )
        if model.mla is not None:
            raise SimulatorInputError(
                field, "MXFP4 on an MLA model (mlapo's quantized projections) is not modelled"
            )
    return {
        "quantize_linear_action": linear,
        "quantize_non_expert_linear_action": non_expert,
        "mxfp4_group_size": group_size,
        "word_embedding_tp": parse_word_embedding_tp(word_embedding_tp),
    }


def parse_word_embedding_tp(value) -> WordEmbeddingTP | None:
    if value is None or value == "":
        return None
    try:
        return WordEmbeddingTP(str(value).lower())
    except ValueError:
        raise SimulatorInputError(
            "word_embedding_tp", f"unknown mode {value!r}", [m.value for m in WordEmbeddingTP]
        ) from None
