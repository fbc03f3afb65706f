"""Memory per rank: weights, KV cache and activation (serving model §2).

Activation is a calibrated linear fit, not a liveness simulation: bytes per token of the forward
(16.5·hidden eager, 9.6·hidden compiled, matching msmodeling's 1.10/0.64 GiB for a 4x3500-token
Qwen3-32B prefill at TP=8) plus the lm_head logits of the rows that reach it.
"""

from __future__ import annotations

import numpy as np

from simulator.deployment import Deployment
from simulator.models import ModelConfig

KV_BLOCK_SIZE = 128
ROPE_CACHE_BYTES_PER_ELEMENT = 2
BF16 = 2
EAGER_ACTIVATION_PER_TOKEN_PER_HIDDEN = 16.5
COMPILED_ACTIVATION_PER_TOKEN_PER_HIDDEN = 9.6


def kv_heads_per_rank(model: ModelConfig, tp: int) -> int:
    return model.num_kv_heads // tp if model.num_kv_heads >= tp else 1


def weight_bytes(dep: Deployment) -> int:
    """Bytes of the sharded, quantized model on one rank (embedding replicated, lm_head bf16)."""
    m, tp = dep.model, dep.tp
    wb = dep.linear_quant.scheme.weight_bytes
    h, d = m.hidden_size, m.head_dim
    q = m.num_heads // tp * d
    kv = kv_heads_per_rank(m, tp) * d
    attention = h * q + 2 * h * kv + q * h
    if m.is_moe:
        # Rank 0 holds the most experts (msmodeling's assign_experts) and one MoE-TP shard of
        # each, zero-padded to ceil(I / MoE-TP); the router stays bf16.
        local_experts = -(-m.num_experts // dep.ep)
        shard = -(-m.moe_intermediate_size // dep.parallel.moe_tp)
        mlp_bytes = local_experts * 3 * h * shard * wb + h * m.num_experts * BF16
    else:
        mlp_bytes = 3 * h * m.intermediate_size // tp * wb
    norms = 2 * h + (2 * d if m.qk_norm else 0)
    per_layer = attention * wb + mlp_bytes + norms * BF16
    embedding = m.vocab_size * h * BF16
    lm_head = 0 if m.tie_word_embeddings else -(-m.vocab_size // tp) * h * BF16
    rope = 2 * m.max_position_embeddings * d * ROPE_CACHE_BYTES_PER_ELEMENT
    return int(m.num_layers * per_layer + embedding + lm_head + h * BF16 + rope)


def kv_bytes_per_token(dep: Deployment) -> int:
    m = dep.model
    return (
        m.num_layers
        * 2
        * kv_heads_per_rank(m, dep.tp)
        * m.head_dim
        * dep.kv_quant.bytes_per_element
    )


def kv_cache_bytes(per_token: int, rank_batch: np.ndarray, max_context: np.ndarray) -> np.ndarray:
    """KV bytes for this forward's requests, allocated in whole 128-token blocks."""
    blocks = -(-(rank_batch * max_context) // KV_BLOCK_SIZE)
    return blocks * (KV_BLOCK_SIZE * per_token)


def activation_per_token(dep: Deployment) -> float:
    factor = (
        COMPILED_ACTIVATION_PER_TOKEN_PER_HIDDEN
        if dep.compiled
        else EAGER_ACTIVATION_PER_TOKEN_PER_HIDDEN
    )
    return factor * dep.model.hidden_size


def logits_bytes_per_row(dep: Deployment) -> int:
    return -(-dep.model.vocab_size // dep.tp) * BF16
