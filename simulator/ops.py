"""Per-forward op inventories of a decoder model, eager and compiled (serving model §3.2, §3.5).

An op's compute time, bytes moved and communication time are affine in the forward's features
(per rank): ``tokens``, ``rows`` (sequences), ``attn_qs`` (Σ q·s) and ``kv_read`` (Σ s), and for
ops that cost prefill and decode differently (MLA) ``prefill`` (1 in a prefill forward) with
its ``prefill_tokens`` and ``prefill_qs``. Counts multiply an op over the layers. An MoE block is
not affine in them: ``moe.py`` costs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.comm import Affine, Collective, Link, all_gather, all_reduce
from simulator.deployment import Deployment
from simulator.memory import BF16, kv_heads_per_rank
from simulator.mla import mla_attention

FEATURES = (
    "one",
    "tokens",
    "rows",
    "attn_qs",
    "kv_read",
    "prefill",
    "prefill_tokens",
    "prefill_qs",
    "prefill_rows",
)
MTP_BOOKKEEPING_OPS = 14
"""Small general-purpose ops per MTP block in msmodeling's trace: mul x2, casts x3, cos, sin,
clone, select_scatter x2, copy x2, device_put x2 (the id shift is one more)."""
PREFILL_FROM_QUERY_LEN = 6
"""msmodeling's MLA cost treats a request as prefill from 6 query tokens on (decode below)."""
FP32 = 4


@dataclass(frozen=True)
class Op:
    name: str
    count: int
    static: str
    compute_s: Affine = field(default_factory=dict)
    memory_bytes: Affine = field(default_factory=dict)
    collective: Collective | None = None
    launches: int = 1
    """Fixed costs charged per call: fused kernels pay one per op they replace."""
    runs_when: str = "one"
    """The feature its fixed cost scales with: ``prefill`` for an op only prefill runs."""


class _Builder:
    """Turns FLOP and byte counts into ops for one deployment's device and shapes."""

    def __init__(self, dep: Deployment) -> None:
        self.dep = dep
        self.device = dep.device
        self.ops: list[Op] = []

    def _rate_s(self, flops: Affine, rate: float | None) -> Affine:
        return {} if rate is None else {k: v / rate for k, v in flops.items()}

    def add(
        self,
        name: str,
        count: int,
        *,
        read: Affine,
        write: Affine,
        gp: Affine | None = None,
        gp_dtype: str = "bf16",
        mma: Affine | None = None,
        mma_dtype: str = "bf16",
        extra_static: int = 0,
        runs_when: str = "one",
    ) -> None:
        compute: Affine = {}
        static = "gp"
        if mma:
            rate = self.device.mma_rate(mma_dtype)
            compute = self._rate_s(mma, rate)
            static = "mma" if rate is not None else "gp"
        if gp:
            for key, value in self._rate_s(gp, self.device.gp_rate(gp_dtype)).items():
                compute[key] = compute.get(key, 0.0) + value
        self.ops.append(
            Op(
                name,
                count,
                static,
                compute,
                _sum(read, write),
                launches=1 + extra_static,
                runs_when=runs_when,
            )
        )

    def collective(self, name: str, count: int, collective: Collective) -> None:
        self.ops.append(Op(name, count, "comm", {}, collective.memory_bytes, collective))


def _sum(*parts: Affine) -> Affine:
    out: Affine = {}
    for part in parts:
        for key, value in part.items():
            out[key] = out.get(key, 0.0) + value
    return out


def _t(width: float) -> Affine:
    return {"tokens": float(width)}


def build_ops(dep: Deployment) -> list[Op]:
    b = _Builder(dep)
    model = dep.model
    layer = _compiled_layer if dep.compiled else _eager_layer
    _embedding(b, 1)
    layer(b, model.num_layers, model.dense_layers)
    _rope_tables(b)
    _head(b, 1, {"rows": 1.0})
    if dep.num_mtp_tokens:
        _mtp_blocks(b, dep.num_mtp_tokens, layer)
    return b.ops


def _mtp_blocks(b: _Builder, count: int, layer) -> None:
    """msmodeling builds one MTP block per MTP token and runs each on every token of the
    forward: embed, norm both inputs, project their concatenation, one decoder layer (dense
    when its index falls among the first dense layers), then a head over every decode token."""
    dep, model = b.dep, b.dep.model
    h = model.hidden_size
    _embedding(b, count)
    _fused_norm(b, "rms_norm", 2 * count, h)
    b.add("cat", count, read=_t(2 * BF16 * h), write=_t(2 * BF16 * h))
    _linear(b, "static_quant_linear", count, 2 * h, h, quant_op=True)
    layer(b, count, 0 if model.mtp_block_is_moe else count)
    _head(b, count, {"tokens": 1.0, "prefill_tokens": -1.0, "prefill_rows": 1.0})
    vocab = model.vocab_size
    b.add("argmax", 2 * count, read={"rows": BF16 * vocab}, write={"rows": 8.0})
    # Draft bookkeeping msmodeling traces around each block: the hidden states it hands on,
    # its own RoPE tables (a bmm, then cos, sin and casts) and the shifted input ids.
    b.add("index", 2 * count, read=_t(BF16 * h), write=_t(BF16 * h))
    d = _rope_dim(dep)
    b.add("bmm", count, mma=_t(2.0 * d), read=_t(FP32), write=_t(FP32 * d))
    b.add(
        "mtp_rope_and_ids",
        count,
        read=_t(6 * FP32 * d),
        write=_t(6 * BF16 * d),
        extra_static=MTP_BOOKKEEPING_OPS - 1,
    )


def _shapes(dep: Deployment) -> tuple[int, int, int, int, int]:
    m, tp = dep.model, dep.tp
    q = m.num_heads // tp * m.head_dim
    kv = kv_heads_per_rank(m, tp) * m.head_dim
    return m.hidden_size, q, kv, m.head_dim, m.intermediate_size // tp


def _tp_link(dep: Deployment) -> Link | None:
    if dep.tp == 1:
        return None
    bandwidth, latency = dep.device.grid.link_for_group(dep.tp)
    return Link(dep.tp, bandwidth, latency)


def _embedding(b: _Builder, count: int) -> None:
    h = b.dep.model.hidden_size
    b.add("embedding", count, read=_t(8 + BF16 * h), write=_t(BF16 * h))


def _rope_dim(dep: Deployment) -> int:
    mla = dep.model.mla
    return dep.model.head_dim if mla is None else mla.qk_rope_head_dim


def _rope_tables(b: _Builder) -> None:
    """The cos and sin rows of the forward's positions, gathered once for every layer."""
    dep = b.dep
    d = _rope_dim(dep)
    if dep.compiled:
        # Compiled RoPE gathers cos and sin through aten.index, which reads the whole cache.
        cache = {"one": BF16 * dep.model.max_position_embeddings * d}
        b.add("index", 2, read=_sum(cache, _t(8)), write=_t(BF16 * d))
    else:
        b.add("index_select", 2, read=_t(8 + BF16 * d), write=_t(BF16 * d))


def _head(b: _Builder, count: int, rows: Affine) -> None:
    """The final norm and the lm_head over ``rows`` (an affine count of hidden states)."""
    dep = b.dep
    h = dep.model.hidden_size
    if dep.compiled:
        _fused_norm(b, "rms_norm", count, h)
        # A prefill picks each sequence's last hidden state before the lm_head.
        b.add(
            "index",
            count,
            read={"prefill_tokens": BF16 * h},
            write={},
            runs_when="prefill",
        )
    else:
        _eager_norm(b, count, h, h)
    vocab = -(-dep.model.vocab_size // dep.tp)

    def per_row(value: float) -> Affine:
        return {feature: value * share for feature, share in rows.items()}

    b.add(
        "mm",
        count,
        mma=per_row(2.0 * h * vocab),
        read=_sum(per_row(BF16 * h), {"one": BF16 * h * vocab}),
        write=per_row(BF16 * vocab),
    )
    link = _tp_link(dep)
    if link:
        b.collective("all_gather", count, all_gather(link, per_row(BF16 * vocab)))


def _eager_norm(b: _Builder, count: int, width: int, reduced: int) -> None:
    """HF RMSNorm unfused: to fp32, pow, mean, +eps, rsqrt, scale, to bf16, times weight."""
    n = float(width)
    rows = width / reduced
    b.add("_to_copy", count, read=_t(BF16 * n), write=_t(FP32 * n))
    b.add("pow", count, read=_t(FP32 * n), write=_t(FP32 * n), gp=_t(n), gp_dtype="fp32")
    b.add("mean", count, read=_t(FP32 * n), write=_t(FP32 * rows), gp=_t(n), gp_dtype="fp32")
    b.add("add", count, read=_t(FP32 * rows), write=_t(FP32 * rows), gp=_t(rows), gp_dtype="fp32")
    b.add("rsqrt", count, read=_t(FP32 * rows), write=_t(FP32 * rows), gp=_t(rows), gp_dtype="fp32")
    b.add("mul", count, read=_t(FP32 * (n + rows)), write=_t(FP32 * n), gp=_t(n), gp_dtype="fp32")
    b.add("_to_copy", count, read=_t(FP32 * n), write=_t(BF16 * n))
    b.add(
        "mul", count, read=_sum(_t(BF16 * n), {"one": BF16 * reduced}), write=_t(BF16 * n), gp=_t(n)
    )


def _fused_norm(
    b: _Builder,
    name: str,
    count: int,
    width: int,
    *,
    residual: bool = False,
    quant_out: bool = False,
) -> None:
    n = float(width)
    read = _t(BF16 * n * (2 if residual else 1))
    write = _t(BF16 * n * (1 if residual else 0) + (n + FP32 if quant_out else BF16 * n))
    b.add(
        name,
        count,
        read=_sum(read, {"one": BF16 * width}),
        write=write,
        gp=_t(n * (6 if residual else 5)),
        gp_dtype="fp32",
    )


def _linear(
    b: _Builder,
    name: str,
    count: int,
    k: int,
    n: int,
    *,
    quant_op: bool,
    rows: str = "tokens",
    weight_feature: str = "one",
) -> None:
    """A (possibly quantized) linear; with quant_op, its activation quantize op precedes it."""
    scheme = b.dep.linear_quant.scheme
    if not b.dep.linear_quant.is_quantized:
        b.add(
            "mm",
            count,
            mma={rows: 2.0 * k * n},
            read={rows: BF16 * k, weight_feature: BF16 * k * n},
            write={rows: BF16 * n},
        )
        return
    if quant_op and scheme.quantizes_activations:
        b.add("dynamic_quantize_symmetric", count, read={rows: BF16 * k}, write={rows: k + FP32})
    extra = {"gp": {weight_feature: scheme.dequant_gp_per_weight * k * n}, "gp_dtype": "fp32"}
    b.add(
        name,
        count,
        mma={rows: 2.0 * k * n},
        mma_dtype=scheme.mma_dtype,
        read={
            rows: scheme.activation_bytes * k + (FP32 if scheme.quantizes_activations else 0),
            weight_feature: scheme.weight_bytes * k * n,
        },
        write={rows: BF16 * n},
        **(extra if scheme.dequant_gp_per_weight else {}),
    )


def _attention(b: _Builder, count: int) -> None:
    dep = b.dep
    _, q, kv, _, _ = _shapes(dep)
    heads = q // dep.model.head_dim
    kv_bytes = dep.kv_quant.bytes_per_element
    gp = {"attn_qs": 4.0 * heads}
    quantized_kv = kv_bytes == 1
    b.add("reshape_and_cache", count, read=_t(2 * BF16 * kv), write=_t(2 * kv_bytes * kv))
    b.add(
        "attention_quant" if quantized_kv else "attention",
        count,
        mma={"attn_qs": 4.0 * heads * dep.model.head_dim},
        gp=_sum(gp, {"attn_qs": 4.0 * heads}) if quantized_kv else gp,
        read=_sum(_t(BF16 * q), {"kv_read": 2.0 * kv * kv_bytes}),
        write=_t(BF16 * q),
    )


def _all_reduce(b: _Builder, count: int) -> None:
    link = _tp_link(b.dep)
    if link:
        b.collective("all_reduce", count, all_reduce(link, _t(BF16 * b.dep.model.hidden_size)))


def _eager_rope(b: _Builder, count: int, width: int, d: int) -> None:
    w = float(width)
    b.add("mul", count, read=_t(BF16 * (w + d)), write=_t(BF16 * w), gp=_t(w))
    b.add("neg", count, read=_t(w), write=_t(w), gp=_t(w / 2))
    b.add("cat", count, read=_t(BF16 * w), write=_t(BF16 * w))
    b.add("mul", count, read=_t(BF16 * (w + d)), write=_t(BF16 * w), gp=_t(w))
    b.add("add", count, read=_t(2 * BF16 * w), write=_t(BF16 * w), gp=_t(w))


def _eager_layer(b: _Builder, layers: int, dense: int) -> None:
    dep = b.dep
    h, q, kv, d, inter = _shapes(dep)
    _eager_norm(b, layers, h, h)
    if dep.model.mla is not None:
        q = mla_attention(b, layers)
    else:
        for width in (q, kv, kv):
            _linear(b, "static_quant_linear", layers, h, width, quant_op=True)
        if dep.model.qk_norm:
            _eager_norm(b, layers, q, d)
            _eager_norm(b, layers, kv, d)
        _eager_rope(b, layers, q, d)
        _eager_rope(b, layers, kv, d)
        _attention(b, layers)
    _linear(b, "static_quant_linear", layers, q, h, quant_op=True)
    _all_reduce(b, layers)
    _residual_add(b, layers, h)
    _eager_norm(b, layers, h, h)
    if dense:
        for _ in range(2):
            _linear(b, "static_quant_linear", dense, h, inter, quant_op=True)
        b.add(
            "silu",
            dense,
            read=_t(BF16 * inter),
            write=_t(BF16 * inter),
            gp=_t(6.0 * inter),
            gp_dtype="fp32",
        )
        b.add("mul", dense, read=_t(2 * BF16 * inter), write=_t(BF16 * inter), gp=_t(inter))
        _linear(b, "static_quant_linear", dense, inter, h, quant_op=True)
        _all_reduce(b, dense)
    _residual_add(b, layers, h)


def _residual_add(b: _Builder, count: int, h: int) -> None:
    b.add("add", count, read=_t(2 * BF16 * h), write=_t(BF16 * h), gp=_t(h))


def _compiled_layer(b: _Builder, layers: int, dense: int) -> None:
    dep = b.dep
    h, q, kv, d, inter = _shapes(dep)
    quant = dep.linear_quant.is_quantized and dep.linear_quant.scheme.quantizes_activations
    if dep.model.mla is not None:
        # mlapo quantizes its own input, so the norm in front of it stays plain.
        _fused_norm(b, "rms_norm", layers, h)
        q = mla_attention(b, layers)
    else:
        _fused_norm(
            b,
            "rms_norm_dynamic_quant_symmetric" if quant else "rms_norm",
            layers,
            h,
            quant_out=quant,
        )
        _linear(b, "static_quant_linear", layers, h, q + 2 * kv, quant_op=False)
        if dep.model.qk_norm:
            _fused_norm(b, "rms_norm", layers, q)
            _fused_norm(b, "rms_norm", layers, kv)
        b.add(
            "apply_rope",
            layers,
            read=_t(BF16 * (q + kv + 2 * d)),
            write=_t(BF16 * (q + kv)),
            gp=_t(3.0 * (q + kv)),
            gp_dtype="fp32",
        )
        _attention(b, layers)
    _linear(b, "static_quant_linear", layers, q, h, quant_op=True)
    _all_reduce(b, layers)
    moe = layers - dense
    # The post-attention norm quantizes its output only where a dense MLP consumes it.
    if dense:
        _fused_norm(
            b,
            "add_rms_norm_dynamic_quant2_symmetric" if quant else "add_rms_norm",
            dense,
            h,
            residual=True,
            quant_out=quant,
        )
        _linear(b, "static_quant_linear", dense, h, 2 * inter, quant_op=False)
        b.add(
            "swiglu",
            dense,
            read=_t(2 * BF16 * inter),
            write=_t(BF16 * inter),
            gp=_t(7.0 * inter),
            gp_dtype="fp32",
        )
        _linear(b, "static_quant_linear", dense, inter, h, quant_op=True)
        _all_reduce(b, dense)
    if moe:
        _fused_norm(b, "add_rms_norm2", moe, h, residual=True)
    _residual_add(b, layers, h)
