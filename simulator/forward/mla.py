"""Multi-head latent attention (DeepSeek) as msmodeling costs it: three fused ops per layer.

msmodeling runs MLA as the same fused ops eager and compiled (``tensor_cast/layers/mla.py``):
``mlapo`` projects the queries through the query LoRA and compresses the KV (both RMS norms and
RoPE inside), ``concat_and_cache_mla`` writes the latent KV, and ``multihead_latent_attention``
attends. Decode absorbs the KV up-projection into the queries and reads the cache once per
request; prefill up-projects the latent KV and attends over every (query, key) pair. The query
LoRA and KV-compression weights are replicated over TP; query heads and ``kv_b_proj`` split.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.dtypes import ACTIVATION_DTYPE, BF16, INT32, INT64
from simulator.forward.dcp import shard_mla_terms
from simulator.memory import KV_BLOCK_SIZE

if TYPE_CHECKING:
    from simulator.forward.ops import Builder

RMS_NORM_GP = 5.0  # msmodeling's flop estimate per RMS-norm element
ROPE_GP = 3.0  # and per RoPE element
MLAPO_EXTRA_STATIC_COSTS = 15  # the fused preprocess is charged 16 op launches


def mla_attention(b: Builder, count: int) -> int:
    """Adds the fused MLA ops; returns the width of the attention output (heads x v_head_dim)."""
    dep, model = b.dep, b.dep.model
    mla = model.mla
    assert mla is not None
    heads = model.num_heads // dep.tp
    _preprocess(b, count, heads)
    latent = mla.latent_width
    kv_bytes = dep.quantize_attention_action.bytes_per_element
    b.add(
        "concat_and_cache_mla",
        count,
        read={"tokens": BF16 * latent + INT64},
        write={"tokens": kv_bytes * latent},
    )
    nope, rope, v, rank = (
        mla.qk_nope_head_dim,
        mla.qk_rope_head_dim,
        mla.v_head_dim,
        mla.kv_lora_rank,
    )
    # This rank's kv_b_proj: decode multiplies every token by it as the absorbed W_UK and W_UV,
    # prefill to up-project the latent KV, so both spend 2 x kv_b flops per token.
    kv_b = heads * rank * (nope + v)
    decode_qs_mma = 2.0 * heads * (rank + rope + rank)
    prefill_qs_mma = 2.0 * heads * (nope + rope + v)
    # Decode reads the absorbed projections, prefill kv_b_proj: the same bf16 tensor either way
    # (tensor_cast/transformers/model.py runs patch_mla before quantize_model, so the MLA keeps
    # kv_b_proj_weight_t and its W_UK_T / W_UV views unquantized). A prefill is compute-bound
    # but for a handful of tokens: a draft's verification block (below) shows it.
    weight_bytes = BF16 * kv_b
    # Beside a draft the forward's phase and the MLA op's differ (``features.py``).
    prefill_qs = "mla_prefill_qs" if dep.draft else "prefill_qs"
    mma = {
        "tokens": 2.0 * kv_b,
        "attn_qs": decode_qs_mma,
        prefill_qs: prefill_qs_mma - decode_qs_mma,
    }
    gp = {"attn_qs": 4.0 * heads}
    read = {
        "one": weight_bytes,
        "tokens": BF16 * heads * (nope + rope),
        "rows": 3 * INT32,
        "kv_read": kv_bytes * latent + INT32 / KV_BLOCK_SIZE,
    }
    write = {"tokens": BF16 * heads * v}
    if dep.dcp > 1:
        shard_mla_terms(mma, gp, read, write, dep.dcp)
    b.add(
        "multihead_latent_attention",
        count,
        mma=mma,
        mma_dtype=ACTIVATION_DTYPE,
        gp=gp,
        gp_dtype=ACTIVATION_DTYPE,
        read=read,
        write=write,
    )
    return heads * v


def _preprocess(b: Builder, count: int, heads: int) -> None:
    """``mlapo``: q_a, its norm, q_b and q RoPE; kv_a, its norm and k RoPE, in one op."""
    dep, model = b.dep, b.dep.model
    mla = model.mla
    assert mla is not None
    h, q_rank, rope, rank = (
        model.hidden_size,
        mla.q_lora_rank,
        mla.qk_rope_head_dim,
        mla.kv_lora_rank,
    )
    q_width = heads * mla.qk_head_dim
    weights = h * q_rank + q_rank * q_width + h * mla.latent_width
    per_token_mma = 2.0 * weights
    per_token_gp = RMS_NORM_GP * (q_rank + rank) + ROPE_GP * (heads * rope + rope)
    scheme = dep.linears.non_expert.scheme
    quantized = dep.linears.non_expert.is_quantized
    gp = {"tokens": per_token_gp}
    if quantized:
        # Quantize each projection's input and dequantize its weights.
        gp["tokens"] += 2 * h + q_rank
        gp["one"] = float(weights)
    intermediates = BF16 * (q_rank + mla.latent_width)
    b.add(
        "mlapo_quant" if quantized else "mlapo",
        count,
        mma={"tokens": per_token_mma},
        mma_dtype=scheme.mma_dtype,
        gp=gp,
        read={
            "tokens": BF16 * (h + 2 * rope) + 2 * intermediates + BF16 * q_rank,
            "one": (scheme.weight_bytes if quantized else BF16) * weights + BF16 * (q_rank + rank),
        },
        write={"tokens": BF16 * (q_width + mla.latent_width + q_rank)},
        extra_static=MLAPO_EXTRA_STATIC_COSTS,
    )
