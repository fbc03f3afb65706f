"""The op inventory of one forward of a decoder model, eager and compiled (serving model §3.5):
embedding, decoder layers (dense or MoE, GQA or MLA attention), RoPE tables, the head, and
msmodeling's MTP blocks. An MoE block is not affine in the features: ``moe/`` costs it."""

from __future__ import annotations

from simulator.deployment import Deployment
from simulator.dtypes import BF16
from simulator.forward.affine import Affine, tokens
from simulator.forward.dcp import dcp_ops
from simulator.forward.draft import draft_ops
from simulator.forward.draft_compiled import compiled_draft_ops
from simulator.forward.head import embedding, head, main_head_rows
from simulator.forward.mla import mla_attention
from simulator.forward.mtp import mtp_layers
from simulator.forward.ops import (
    Builder,
    Op,
    attention,
    eager_norm,
    fused_norm,
    linear,
    residual_add,
    rope_dim,
    shapes,
    tp_all_reduce,
)

FUSED_NORM_QUANT_EPS = 1e-6
"""The eps msmodeling's norm+quantize fusion patterns are traced with (their ``create`` default)."""


def build_ops(dep: Deployment) -> list[Op]:
    b = Builder(dep)
    model = dep.model
    layer = _compiled_layer if dep.compile else _eager_layer
    reduces = embedding(b, 1, main=True)
    layer(b, model.num_layers, model.dense_layers, reduces)
    _rope_tables(b)
    speculates = dep.num_mtp_tokens > 0 or dep.draft is not None
    head(b, 1, main_head_rows(dep), norm=True, selects_always=speculates)
    if dep.num_mtp_tokens:
        mtp_layers(b, dep.num_mtp_tokens, layer)
    if dep.draft is not None:
        (compiled_draft_ops if dep.compile else draft_ops)(b)
    return b.ops


def _rope_tables(b: Builder) -> None:
    """The cos and sin rows of the forward's positions, gathered once for every layer."""
    dep = b.dep
    d = rope_dim(dep)
    if dep.compile:
        # Compiled RoPE gathers cos and sin through aten.index, which reads the whole cache.
        cache = Affine(one=BF16 * dep.model.max_position_embeddings * d)
        b.add("index", 2, read=cache + tokens(8), write=tokens(BF16 * d))
    else:
        b.add("index_select", 2, read=tokens(8 + BF16 * d), write=tokens(BF16 * d))


def _eager_rope(b: Builder, count: int, width: int, d: int) -> None:
    w = float(width)
    b.add("mul", count, read=tokens(BF16 * (w + d)), write=tokens(BF16 * w), gp=tokens(w))
    b.add("neg", count, read=tokens(w), write=tokens(w), gp=tokens(w / 2))
    b.add("cat", count, read=tokens(BF16 * w), write=tokens(BF16 * w))
    b.add("mul", count, read=tokens(BF16 * (w + d)), write=tokens(BF16 * w), gp=tokens(w))
    b.add("add", count, read=tokens(2 * BF16 * w), write=tokens(BF16 * w), gp=tokens(w))


def _eager_layer(b: Builder, layers: int, dense: int, reduces: int = 0) -> None:
    """``reduces``: more TP all-reduces of the hidden state, counted with the layers' own."""
    dep = b.dep
    h, q, kv, d, inter = shapes(dep)
    eager_norm(b, layers, h, h)
    if dep.model.mla is not None:
        q = mla_attention(b, layers)
        dcp_ops(b, layers)
    else:
        for width in (q, kv, kv):
            linear(b, "static_quant_linear", layers, h, width, quant_op=True)
        if dep.model.qk_norm:
            eager_norm(b, layers, q, d)
            eager_norm(b, layers, kv, d)
        _eager_rope(b, layers, q, d)
        _eager_rope(b, layers, kv, d)
        attention(b, layers)
        dcp_ops(b, layers)
    linear(b, "static_quant_linear", layers, q, h, quant_op=True)
    tp_all_reduce(b, layers + reduces)
    residual_add(b, layers, h)
    eager_norm(b, layers, h, h)
    if dense:
        for _ in range(2):
            linear(b, "static_quant_linear", dense, h, inter, quant_op=True)
        b.add(
            "silu",
            dense,
            read=tokens(BF16 * inter),
            write=tokens(BF16 * inter),
            gp=tokens(6.0 * inter),
            gp_dtype="fp32",
        )
        b.add(
            "mul",
            dense,
            read=tokens(2 * BF16 * inter),
            write=tokens(BF16 * inter),
            gp=tokens(inter),
        )
        linear(b, "static_quant_linear", dense, inter, h, quant_op=True)
        tp_all_reduce(b, dense)
    residual_add(b, layers, h)


def _compiled_layer(b: Builder, layers: int, dense: int, reduces: int = 0) -> None:
    dep = b.dep
    h, q, kv, d, inter = shapes(dep)
    fuse = _norms_fuse_quantize(dep)
    if dep.model.mla is not None:
        # mlapo quantizes its own input, so the norm in front of it stays plain.
        fused_norm(b, "rms_norm", layers, h)
        q = mla_attention(b, layers)
        dcp_ops(b, layers)
    else:
        name = "rms_norm_dynamic_quant_symmetric" if fuse else "rms_norm"
        fused_norm(b, name, layers, h, quant_out=fuse)
        linear(b, "static_quant_linear", layers, h, q + 2 * kv, quant_op=not fuse)
        if dep.model.qk_norm:
            fused_norm(b, "rms_norm", layers, q)
            fused_norm(b, "rms_norm", layers, kv)
        b.add(
            "apply_rope",
            layers,
            read=tokens(BF16 * (q + kv + 2 * d)),
            write=tokens(BF16 * (q + kv)),
            gp=tokens(3.0 * (q + kv)),
            gp_dtype="fp32",
        )
        attention(b, layers)
        dcp_ops(b, layers)
    linear(b, "static_quant_linear", layers, q, h, quant_op=True)
    tp_all_reduce(b, layers + reduces)
    moe = layers - dense
    # The post-attention norm quantizes its output only where a dense MLP consumes it.
    if dense:
        name = "add_rms_norm_dynamic_quant2_symmetric" if fuse else "add_rms_norm2"
        fused_norm(b, name, dense, h, residual=True, quant_out=fuse)
        linear(b, "static_quant_linear", dense, h, 2 * inter, quant_op=not fuse)
        b.add(
            "swiglu",
            dense,
            read=tokens(2 * BF16 * inter),
            write=tokens(BF16 * inter),
            gp=tokens(7.0 * inter),
            gp_dtype="fp32",
        )
        linear(b, "static_quant_linear", dense, inter, h, quant_op=True)
        tp_all_reduce(b, dense)
    if moe:
        fused_norm(b, "add_rms_norm2", moe, h, residual=True)
    residual_add(b, layers, h)


def _norms_fuse_quantize(dep: Deployment) -> bool:
    """Whether compiling fuses an RMS norm with the dynamic quantize of the linear after it.

    msmodeling registers its norm+quantize patterns (``compilation/patterns/rms_norm.py``:
    ``RMSNormDynamicQuantPattern``, ``AddRMSNormDynamicQuant2Pattern``) with their default eps
    traced in as a constant and no scalar wildcard, unlike the plain-norm patterns, so they
    match only a model whose ``rms_norm_eps`` is exactly that value (Qwen3 and DeepSeek-V3 yes,
    Llama-3.1's 1e-5 no): then every linear keeps its own quantize op."""
    quantizes = dep.linears.non_expert.quantizes_activations
    return quantizes and dep.model.rms_norm_eps == FUSED_NORM_QUANT_EPS
