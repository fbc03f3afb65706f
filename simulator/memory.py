"""Memory per rank: weights, KV cache and activation (serving model §2).

Activation is a calibrated linear fit, not a liveness simulation: bytes per token of the forward
(16.5·hidden eager, 9.6·hidden compiled, matching msmodeling's 1.10/0.64 GiB for a 4x3500-token
Qwen3-32B prefill at TP=8; 22.2·hidden for eager MoE and 12·hidden and more for eager MLA,
fitted on msmodeling's Qwen3-30B-A3B and DeepSeek-V3 eager runs) plus the lm_head logits of the
rows that reach it.
"""

from __future__ import annotations

from simulator.deployment import Deployment
from simulator.dtypes import BF16, FP32
from simulator.linears import WordEmbeddingTP
from simulator.models import ModelConfig

KV_BLOCK_SIZE = 128
ROPE_CACHE_BYTES_PER_ELEMENT = BF16
EAGER_ACTIVATION_PER_TOKEN_PER_HIDDEN = 16.5
COMPILED_ACTIVATION_PER_TOKEN_PER_HIDDEN = 9.6
EAGER_MLA_ACTIVATION_PER_TOKEN_PER_HIDDEN = 12
EAGER_MOE_ACTIVATION_PER_TOKEN_PER_HIDDEN = 22.2
"""msmodeling's eager Qwen3-30B-A3B prefills: 22.18 and 22.15 x hidden bytes per token beside the
logits, at TP=4 x EP=8 (8000 tokens) and TP=2 x EP=2 x MoE-DP 2 (6000 tokens), on A2 devices."""


def kv_heads_per_rank(model: ModelConfig, tp: int) -> int:
    return model.num_kv_heads // tp if model.num_kv_heads >= tp else 1


def weight_bytes(dep: Deployment) -> int:
    """Bytes of the sharded, quantized model on one rank (embedding replicated, lm_head 16-bit and
    split over TP, tied or not).

    DeepSeek's first layers keep a dense MLP. MTP is msmodeling's ``MultiTokenPredictor``
    (``tensor_cast/layers/mtp.py``): one embedding and one unquantized head of its own (not
    shared with the main model's) for all its layers, and per MTP token one predictor layer of
    two input norms, a replicated 2h x h projection and a decoder block like the last layer."""
    m, tp = dep.model, dep.tp
    wb = dep.linears.expert.scheme.weight_bytes
    h = m.hidden_size
    attention = _attention_bytes(dep)
    dense_mlp = _dense_mlp_bytes(dep)
    moe_mlp = _moe_mlp_bytes(dep) if m.is_moe else dense_mlp
    embedding = m.vocab_size * h * BF16
    own_embedding = embedding_bytes(dep)
    lm_head = -(-m.vocab_size // tp) * h * BF16
    rope_dim = m.head_dim if m.mla is None else m.mla.qk_rope_head_dim
    rope = 2 * m.max_position_embeddings * rope_dim * ROPE_CACHE_BYTES_PER_ELEMENT
    layers = m.num_layers * attention + m.dense_layers * dense_mlp + m.moe_layers * moe_mlp
    # msmodeling swaps the lm_head for its own TP-split ColumnParallelLinear, so a head tied to
    # the embedding (tie_word_embeddings) is stored apart from it all the same.
    head = lm_head + h * BF16
    eh_proj = 2 * h * h * wb + dep.linears.expert.weight_scale_bytes(2 * h, h)
    predictor_layer = (
        2 * h * BF16 + eh_proj + attention + (moe_mlp if m.mtp_block_is_moe else dense_mlp)
    )
    mtp = (embedding + lm_head if dep.num_mtp_tokens else 0) + dep.num_mtp_tokens * predictor_layer
    return int(layers + own_embedding + head + rope + mtp + draft_weight_bytes(dep))


def draft_weight_bytes(dep: Deployment) -> int:
    """The draft model beside the target (``tensor_cast/layers/dflash.py``), all 16-bit: per
    layer TP-split q/k/v/o and SwiGLU linears with their norms, plus the replicated ``fc``
    (aux states to hidden), ``hidden_norm`` and final norm, and the TP-split fused
    ``context_kv_proj``; embedding and lm_head are the target's."""
    d = dep.draft
    if d is None:
        return 0
    h, tp = dep.model.hidden_size, dep.tp
    kv = (d.kv_heads // tp if d.kv_heads >= tp else 1) * d.head_dim
    q = d.heads // tp * d.head_dim
    layer = h * (2 * q + 2 * kv) + 3 * h * (d.intermediate_size // tp) + 2 * h + 2 * d.head_dim
    own = d.aux_layers * h * h + 2 * h + h * kv * d.layers * 2
    # Its own rotary embedding keeps cos and sin tables over the target's positions.
    rope = 2 * dep.model.max_position_embeddings * d.head_dim * ROPE_CACHE_BYTES_PER_ELEMENT
    return int(BF16 * (d.layers * layer + own + _dspark_head_weights(dep)) + rope)


def dspark_head_bytes(dep: Deployment) -> int:
    """The bytes of DSpark's Markov and confidence heads on one rank (0 without DSpark)."""
    return BF16 * _dspark_head_weights(dep) if dep.draft is not None else 0


def _dspark_head_weights(dep: Deployment) -> int:
    """DSpark's heads (``tensor_cast/layers/dspark.py``), in elements: the Markov head's
    replicated ``markov_embed`` (vocab x rank), its ``markov_bias`` split over TP like the
    lm_head, ``gated``'s gate or ``rnn``'s joint projection (replicated, with biases), and the
    confidence head's 1-wide projection of the hidden state (and the Markov embedding)."""
    d, m = dep.draft, dep.model
    if not d.is_dspark:
        return 0
    r, h = d.markov_rank, m.hidden_size
    confidence = h + r
    if r == 0:
        return confidence
    markov = m.vocab_size * r + r * -(-m.vocab_size // dep.tp)
    if d.markov_head == "gated":
        markov += (h + r) * r + r
    elif d.markov_head == "rnn":
        markov += (2 * r + h) * 3 * r + 3 * r
    return markov + confidence


def embedding_bytes(dep: Deployment) -> int:
    """The main model's token embedding on one rank: whole, or one TP shard of its columns
    (``col``) or rows (``row``), zero-padded to a whole share (``get_partial_sharded``)."""
    m, tp = dep.model, dep.tp
    mode = dep.word_embedding_tp
    if mode is WordEmbeddingTP.COL:
        return m.vocab_size * -(-m.hidden_size // tp) * BF16
    if mode is WordEmbeddingTP.ROW:
        return -(-m.vocab_size // tp) * m.hidden_size * BF16
    return m.vocab_size * m.hidden_size * BF16


def _dense_mlp_bytes(dep: Deployment) -> int:
    m, tp = dep.model, dep.tp
    linears = dep.linears.non_expert
    h, inter = m.hidden_size, m.intermediate_size
    scales = 2 * linears.weight_scale_bytes(h, inter // tp) + linears.weight_scale_bytes(
        inter // tp, h
    )
    return 3 * h * inter // tp * linears.scheme.weight_bytes + scales


def _attention_bytes(dep: Deployment) -> int:
    """One layer's attention weights and its two norms (and Qwen3's QK norms)."""
    m, tp = dep.model, dep.tp
    linears = dep.linears.non_expert
    wb = linears.scheme.weight_bytes
    h, d = m.hidden_size, m.head_dim
    heads = m.num_heads // tp
    if m.mla is not None:
        a = m.mla
        # The query LoRA and the KV compression are replicated; q_b, kv_b and o_proj split.
        linear = (
            h * a.q_lora_rank
            + a.q_lora_rank * heads * a.qk_head_dim
            + h * a.latent_width
            + a.kv_lora_rank * heads * (a.qk_nope_head_dim + a.v_head_dim)
            + heads * a.v_head_dim * h
        )
        return linear * wb + (2 * h + a.q_lora_rank + a.kv_lora_rank) * BF16
    q = heads * d
    kv = kv_heads_per_rank(m, tp) * d
    norms = 2 * h + (2 * d if m.qk_norm else 0)
    scales = linears.weight_scale_bytes(h, q + 2 * kv) + linears.weight_scale_bytes(q, h)
    return (h * q + 2 * h * kv + q * h) * wb + norms * BF16 + scales


def _moe_mlp_bytes(dep: Deployment) -> int:
    """Rank 0 holds the most experts (msmodeling's assign_experts) and one MoE-TP shard of
    each, zero-padded to ceil(I / MoE-TP); the router stays bf16 (DeepSeek's bias fp32)."""
    m = dep.model
    experts, others = dep.linears.expert, dep.linears.non_expert
    h = m.hidden_size
    local_experts = -(-m.num_experts // dep.ep)
    shard = -(-m.moe_intermediate_size // dep.parallel.moe_tp)
    expert_scales = 2 * experts.weight_scale_bytes(h, shard) + experts.weight_scale_bytes(shard, h)
    routed = local_experts * (3 * h * shard * experts.scheme.weight_bytes + expert_scales)
    routed += h * m.num_experts * BF16
    if m.sigmoid_router:
        routed += m.num_experts * FP32
    shared = m.shared_experts * m.moe_intermediate_size
    if dep.enable_shared_expert_tp:
        shared //= dep.tp
    shared_scales = 2 * others.weight_scale_bytes(h, shared) + others.weight_scale_bytes(shared, h)
    return routed + 3 * h * shared * others.scheme.weight_bytes + shared_scales


def kv_bytes_per_token(dep: Deployment) -> int:
    """Cache bytes per token on one rank: K and V heads, or MLA's one latent row per layer
    (not split by TP); MTP blocks keep a cache of their own."""
    m = dep.model
    element = dep.quantize_attention_action.bytes_per_element
    d = dep.draft
    # The draft's layers cache its own KV heads (msmodeling: the builtin's 8, replicated below
    # TP=8), not the target's: Qwen3-30B-A3B's 4 at TP=4 is one per rank, the draft's 2.
    # Beside an MLA target they are GQA caches of their own (``ensure_draft_kv_caches``).
    draft = 0
    if d is not None:
        draft = d.layers * (d.kv_heads // dep.tp if d.kv_heads >= dep.tp else 1) * d.head_dim
    if m.mla is not None:
        layers = m.num_layers + dep.num_mtp_tokens
        return layers * m.mla.latent_width * element + draft * 2 * element
    widths = m.num_layers * kv_heads_per_rank(m, dep.tp) * m.head_dim + draft
    return widths * 2 * element


def kv_cache_bytes(per_token: int, rank_batch, max_context, dcp_factor: int = 1):
    """KV bytes for this forward's requests, allocated in whole 128-token blocks; under DCP
    the blocks are divided by the capacity factor, rounded up (``simulator/dcp.py``)."""
    blocks = -(-(rank_batch * max_context) // KV_BLOCK_SIZE)
    if dcp_factor > 1:
        blocks = -(-blocks // dcp_factor)
    return blocks * (KV_BLOCK_SIZE * per_token)


def activation_per_token(dep: Deployment) -> float:
    m = dep.model
    if dep.compile:
        return COMPILED_ACTIVATION_PER_TOKEN_PER_HIDDEN * m.hidden_size
    if m.mla is None and m.is_moe:
        return EAGER_MOE_ACTIVATION_PER_TOKEN_PER_HIDDEN * m.hidden_size
    if m.mla is None:
        return EAGER_ACTIVATION_PER_TOKEN_PER_HIDDEN * m.hidden_size
    # Eager MLA (msmodeling's DeepSeek-V3 eager runs at TP=8 x EP=16 with 0 to 3 MTP tokens):
    # the unfused norms' fp32 copies, the router's fp32 scores, and from the second MTP layer on
    # one more 16-bit hidden state per token for each.
    router = m.num_experts * FP32 if m.sigmoid_router else 0
    drafts = max(dep.num_mtp_tokens - 1, 0) * BF16 * m.hidden_size
    return EAGER_MLA_ACTIVATION_PER_TOKEN_PER_HIDDEN * m.hidden_size + router + drafts


def activation_per_forward(dep: Deployment) -> float:
    """Activation every forward of an MLA model carries whatever its batch, per layer: three
    bf16 head-sized views of kv_b_proj (the absorbed W_UK and W_UV, and W_UV once more), and
    compiled, per MoE layer one router-sized tensor (the gate's weight cast to fp32 is folded
    into a constant; eager it lives only while its layer's gate runs). A fit, not a liveness
    model: it gives msmodeling's DeepSeek-V3 reports within 5 MB at TP=4 (0.918 GiB, 0.933 with
    MTP) and TP=8 (0.58) compiled, and 0.363-0.375 GiB at TP=8 eager, barely moving with the
    batch."""
    m = dep.model
    if m.mla is None:
        return 0.0
    a = m.mla
    heads = m.num_heads // dep.tp
    views = BF16 * heads * a.kv_lora_rank * (a.qk_nope_head_dim + 2 * a.v_head_dim)
    layers = m.num_layers + dep.num_mtp_tokens
    if not dep.compile:
        return float(layers * views)
    moe_layers = m.moe_layers + (dep.num_mtp_tokens if m.mtp_block_is_moe else 0)
    return float(layers * views + moe_layers * BF16 * m.hidden_size * m.num_experts)


def logits_bytes_per_row(dep: Deployment) -> int:
    return -(-dep.model.vocab_size // dep.tp) * BF16
