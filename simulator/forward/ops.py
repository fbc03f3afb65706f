"""The ops a forward is made of, and the primitives that add them (serving model §3.2, §3.5).

An ``Op`` costs, per call, max(compute, memory, communication) plus a fixed cost per launch;
compute seconds, bytes moved and collective times are ``Affine`` forms over the forward's
features. ``count`` multiplies an op over the layers. ``inventory.py`` lists a model's ops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.deployment import Deployment
from simulator.dtypes import ACTIVATION_DTYPE, BF16, FP32, INT64
from simulator.forward.affine import Affine, tokens
from simulator.forward.comm import Collective, Link, all_gather, all_reduce
from simulator.memory import kv_heads_per_rank


@dataclass(frozen=True)
class Op:
    name: str
    count: int
    static: str
    """Which fixed cost it pays: ``mma``, ``gp`` or ``comm`` (the device's op costs)."""
    compute_s: Affine = field(default_factory=Affine)
    memory_bytes: Affine = field(default_factory=Affine)
    collective: Collective | None = None
    launches: int = 1
    """Fixed costs charged per call: fused kernels pay one per op they replace."""
    runs_when: str = "one"
    """The feature its fixed cost scales with: ``prefill`` for an op only prefill runs."""


class Builder:
    """Turns FLOP and byte counts into ops for one deployment's device and shapes."""

    def __init__(self, dep: Deployment) -> None:
        self.dep = dep
        self.device = dep.device
        self.ops: list[Op] = []

    def add(
        self,
        name: str,
        count: int,
        *,
        read: Affine,
        write: Affine,
        gp: Affine | None = None,
        gp_dtype: str = ACTIVATION_DTYPE,
        mma: Affine | None = None,
        mma_dtype: str = ACTIVATION_DTYPE,
        extra_static: int = 0,
        runs_when: str = "one",
    ) -> None:
        compute = Affine()
        static = "gp"
        if mma:
            rate = self.device.mma_rate(mma_dtype)
            compute = _at_rate(Affine.of(mma), rate)
            static = "mma" if rate is not None else "gp"
        if gp:
            compute = compute + _at_rate(Affine.of(gp), self.device.gp_rate(gp_dtype))
        memory = Affine.of(read) + write
        self.ops.append(Op(name, count, static, compute, memory, None, 1 + extra_static, runs_when))

    def collective(self, name: str, count: int, collective: Collective) -> None:
        memory = Affine(collective.local_bytes)
        self.ops.append(Op(name, count, "comm", Affine(), memory, collective))


def _at_rate(flops: Affine, rate: float | None) -> Affine:
    return Affine() if rate is None else flops / rate


def shapes(dep: Deployment) -> tuple[int, int, int, int, int]:
    """Per rank: hidden size, query width, KV width, head dim and dense MLP width."""
    m, tp = dep.model, dep.tp
    q = m.num_heads // tp * m.head_dim
    kv = kv_heads_per_rank(m, tp) * m.head_dim
    return m.hidden_size, q, kv, m.head_dim, m.intermediate_size // tp


def rope_dim(dep: Deployment) -> int:
    mla = dep.model.mla
    return dep.model.head_dim if mla is None else mla.qk_rope_head_dim


def tp_link(dep: Deployment) -> Link | None:
    if dep.tp == 1:
        return None
    bandwidth, latency = dep.device.grid.link_for_group(dep.tp)
    return Link(dep.tp, bandwidth, latency)


def eager_norm(
    b: Builder, count: int, width: int, reduced: int, *, weight_in_fp32: bool = False
) -> None:
    """An RMS norm unfused: to fp32, pow, mean, +eps, rsqrt, scale, then the weight. HF's
    modules cast back to 16 bits before the weight; ``torch.nn.RMSNorm`` multiplies the weight
    in fp32 and casts last."""
    n = float(width)
    rows = width / reduced
    b.add("_to_copy", count, read=tokens(BF16 * n), write=tokens(FP32 * n))
    fp32 = {"gp_dtype": "fp32"}
    b.add("pow", count, read=tokens(FP32 * n), write=tokens(FP32 * n), gp=tokens(n), **fp32)
    b.add("mean", count, read=tokens(FP32 * n), write=tokens(FP32 * rows), gp=tokens(n), **fp32)
    rows_fp32 = {"read": tokens(FP32 * rows), "write": tokens(FP32 * rows), "gp": tokens(rows)}
    b.add("add", count, **rows_fp32, **fp32)
    b.add("rsqrt", count, **rows_fp32, **fp32)
    b.add(
        "mul", count, read=tokens(FP32 * (n + rows)), write=tokens(FP32 * n), gp=tokens(n), **fp32
    )
    weight = Affine(one=BF16 * reduced)
    if weight_in_fp32:
        b.add("mul", count, read=tokens(FP32 * n) + weight, write=tokens(FP32 * n), gp=tokens(n))
        b.add("_to_copy", count, read=tokens(FP32 * n), write=tokens(BF16 * n))
        return
    b.add("_to_copy", count, read=tokens(FP32 * n), write=tokens(BF16 * n))
    b.add("mul", count, read=tokens(BF16 * n) + weight, write=tokens(BF16 * n), gp=tokens(n))


def fused_norm(
    b: Builder,
    name: str,
    count: int,
    width: int,
    *,
    residual: bool = False,
    quant_out: bool = False,
) -> None:
    n = float(width)
    read = tokens(BF16 * n * (2 if residual else 1))
    write = tokens(BF16 * n * (1 if residual else 0) + (n + FP32 if quant_out else BF16 * n))
    b.add(
        name,
        count,
        read=read + Affine(one=BF16 * width),
        write=write,
        gp=tokens(n * (6 if residual else 5)),
        gp_dtype="fp32",
    )


def linear(
    b: Builder,
    name: str,
    count: int,
    k: int,
    n: int,
    *,
    quant_op: bool,
    expert: bool = False,
) -> None:
    """A (possibly quantized) linear; with quant_op, its activation quantize op precedes it.
    Attention and dense MLPs are non-expert linears; ``expert`` for the linear action's own
    (an MTP layer's ``eh_proj``)."""
    quant = b.dep.linears.expert if expert else b.dep.linears.non_expert
    scheme = quant.scheme
    if not quant.is_quantized:
        b.add(
            "mm",
            count,
            mma=tokens(2.0 * k * n),
            read=Affine(tokens=BF16 * k, one=BF16 * k * n),
            write=tokens(BF16 * n),
        )
        return
    if scheme.block_scales:
        _mxfp4_linear(b, count, k, n, quant, quant_op=quant_op)
        return
    if quant_op and scheme.quantizes_activations:
        b.add(
            "dynamic_quantize_symmetric",
            count,
            read=tokens(BF16 * k),
            write=tokens(k + FP32),
        )
    extra = {"gp": Affine(one=scheme.dequant_gp_per_weight * k * n), "gp_dtype": "fp32"}
    b.add(
        name,
        count,
        mma=tokens(2.0 * k * n),
        mma_dtype=scheme.mma_dtype,
        read=Affine(
            tokens=scheme.activation_bytes * k + (FP32 if scheme.quantizes_activations else 0),
            one=scheme.weight_bytes * k * n,
        ),
        write=tokens(BF16 * n),
        **(extra if scheme.dequant_gp_per_weight else {}),
    )


def _mxfp4_linear(b: Builder, count: int, k: int, n: int, quant, *, quant_op: bool) -> None:
    """msmodeling's ``dynamic_quantize_mxfp4`` (reads the 16-bit row, writes the 4-bit payload
    and a 1-byte scale per block; 2 vector ops per element and one per scale, in the input's
    dtype) and ``mxfp4_linear`` (payloads and scales of both operands read, fp16 out)."""
    row = quant.scheme.activation_bytes * k + quant.row_scale_bytes(k)
    if quant_op:
        b.add(
            "dynamic_quantize_mxfp4",
            count,
            read=tokens(BF16 * k),
            write=tokens(row),
            gp=tokens(2.0 * k + quant.groups(k)),
        )
    b.add(
        "mxfp4_linear",
        count,
        mma=tokens(2.0 * k * n),
        mma_dtype=quant.scheme.mma_dtype,
        read=Affine(
            tokens=row, one=quant.scheme.weight_bytes * k * n + quant.weight_scale_bytes(k, n)
        ),
        write=tokens(BF16 * n),
    )


def attention(b: Builder, count: int) -> None:
    """GQA attention as msmodeling's ``AttentionTensorCast`` runs it. With a quantized KV cache
    K and V are quantized before the cache write, and the query before ``attention_quant``,
    whose matmuls then run at the int8 (fp8) peak; it dequantizes the scores, requantizes the
    probabilities and dequantizes its output on the vector unit."""
    dep = b.dep
    _, q, kv, head_dim, _ = shapes(dep)
    heads = q // head_dim
    cache = dep.quantize_attention_action
    kv_bytes = cache.bytes_per_element
    if cache.is_quantized:
        for width in (kv, kv):
            b.add("quantize", count, read=tokens(BF16 * width), write=tokens(kv_bytes * width))
    # The cache write reads K and V as they arrive and each token's slot id.
    cached = 2 * kv_bytes * kv
    b.add("reshape_and_cache", count, read=tokens(cached + INT64), write=tokens(cached))
    mma = Affine(attn_qs=4.0 * heads * head_dim)
    gp = Affine(attn_qs=4.0 * heads)
    read = Affine(kv_read=2.0 * kv * kv_bytes)
    if not cache.is_quantized:
        b.add(
            "attention", count, mma=mma, gp=gp, read=tokens(BF16 * q) + read, write=tokens(BF16 * q)
        )
        return
    b.add("quantize", count, read=tokens(BF16 * q), write=tokens(kv_bytes * q))
    f = cache.qdq_ops_per_element
    b.add(
        "attention_quant",
        count,
        mma=mma,
        mma_dtype=cache.mma_dtype,
        gp=gp + Affine(attn_qs=2.0 * f * heads, tokens=f * q),
        read=tokens(kv_bytes * q) + read,
        write=tokens(BF16 * q),
    )


def tp_all_reduce(b: Builder, count: int) -> None:
    link = tp_link(b.dep)
    if link:
        message = tokens(BF16 * b.dep.model.hidden_size)
        b.collective("all_reduce", count, all_reduce(link, message))


def tp_all_gather(b: Builder, count: int, message_per_rank: Affine) -> None:
    link = tp_link(b.dep)
    if link:
        b.collective("all_gather", count, all_gather(link, message_per_rank))


def residual_add(b: Builder, count: int, h: int) -> None:
    b.add("add", count, read=tokens(2 * BF16 * h), write=tokens(BF16 * h), gp=tokens(h))
