"""The ops decode context parallel adds to each attention layer of a decode forward, as
msmodeling traces them (``tensor_cast/layers/attention.py`` for GQA, ``tensor_cast/layers/mla.py``
for MLA; ``simulator/dcp.py`` has the memory side).

Both backends run two collectives over the DCP group (``dcp`` consecutive TP ranks): an
all-gather of the query along its heads (16-bit) and an all-to-all of the gathered heads' output
and LSE, upcast to fp32, each rank keeping its own heads. msmodeling binds both into its graph
with value-neutral scalar ops (``x.reshape(-1)[0].to(dtype) * 0`` added onto a tensor), which it
costs like any op: a few fixed costs per layer. Prefill forwards run none of it, so every op
here is charged only in decode forwards (``runs_when="decode"``, decode tokens only).

Their sizes are in the ``dcp_*`` features (``features.py``), which are 0 in prefill forwards
and without DCP, so a forward without DCP evaluates none of their terms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.dtypes import BF16, FP32, INT64
from simulator.forward.affine import Affine
from simulator.forward.comm import Collective, Link, all_gather, all_to_all

if TYPE_CHECKING:
    from simulator.forward.ops import Builder

DECODE = "decode"


def decode_tokens(width: float) -> Affine:
    """``width`` per token of a DCP decode forward (nothing in prefill forwards). Without MTP
    (not modelled with DCP) a decode forward has one token per sequence."""
    return Affine(dcp_tokens=float(width))


def dcp_link(b: Builder) -> Link:
    dcp = b.dep.dcp
    bandwidth, latency = b.dep.device.grid.link_for_group(dcp)
    return Link(dcp, bandwidth, latency)


def dcp_ops(b: Builder, count: int) -> None:
    """The collectives and bookkeeping ops DCP adds to ``count`` attention layers."""
    if b.dep.dcp <= 1:
        return
    dep, model = b.dep, b.dep.model
    eager = not dep.compile
    if model.mla is None:
        heads = model.num_heads // dep.tp
        head_dim = model.head_dim
        query = heads * head_dim
        _gather_query(b, count, query)
        # The gathered query is bound into the output: scalar mul, then an add over it.
        _scalar(b, count, "mul", 1)
        _bind(b, count, query)
        _merge(b, count, heads, head_dim, eager)
        _bind(b, count, query)
        return
    mla = model.mla
    heads = model.num_heads // dep.tp
    # The sequence lengths sharded: (seq + dcp - 1) // dcp, clamped to 1, per request.
    for name in ("add", "div", "clamp"):
        b.add(name, count, read=decode_tokens(INT64), write=decode_tokens(INT64), runs_when=DECODE)
    _gather_query(b, count, heads * mla.qk_head_dim)
    _merge(b, count, heads, mla.v_head_dim, eager)
    # The merged output keeps this rank's heads: a contiguous copy (none of one token's slice,
    # already contiguous), then the bound a2a result.
    width = heads * mla.v_head_dim
    b.add("clone", count, read=decode_tokens(BF16 * width), write=decode_tokens(BF16 * width),
          runs_when="dcp_batched")  # fmt: skip
    _bind(b, count, width)


def _gather_query(b: Builder, count: int, width: int) -> None:
    _collective(b, "all_gather", count, all_gather(dcp_link(b), decode_tokens(BF16 * width)))


def _merge(b: Builder, count: int, heads: int, head_dim: int, eager: bool) -> None:
    """The fp32 output+LSE payload (gathered heads x tokens x (head_dim + 1)): made (eager
    traces its ``empty``), bound to the output, exchanged, and its result bound back."""
    dcp = b.dep.dcp
    payload = decode_tokens(FP32 * dcp * heads * (head_dim + 1))
    if eager:
        b.add("empty", count, read=Affine(), write=payload, runs_when=DECODE)
    _scalar(b, count, "_to_copy", 1)
    _scalar(b, count, "mul", 1)
    b.add("add", count, read=payload, write=payload, gp=payload / FP32, gp_dtype="fp32",
          runs_when=DECODE)  # fmt: skip
    exchanged = payload * ((dcp - 1) / dcp)
    _collective(b, "all_to_all", count, all_to_all(dcp_link(b), exchanged, payload * 2))
    _scalar(b, count, "_to_copy", 1)
    _scalar(b, count, "mul", 1)


def _scalar(b: Builder, count: int, name: str, calls: int) -> None:
    one = Affine(decode=FP32)
    for _ in range(calls):
        b.add(name, count, read=one, write=one, gp=Affine(decode=1.0), runs_when=DECODE)


def _bind(b: Builder, count: int, width: int) -> None:
    """``tensor + scalar``: an add over a 16-bit tensor of ``width`` per token."""
    tensor = decode_tokens(BF16 * width)
    b.add("add", count, read=tensor + Affine(decode=BF16), write=tensor, gp=tensor / BF16,
          runs_when=DECODE)  # fmt: skip


def _collective(b: Builder, name: str, count: int, collective: Collective) -> None:
    """A collective of decode forwards: its latency terms move from ``one`` to ``decode``."""
    from simulator.forward.ops import Op

    first, second, local = (_decode_only(Affine.of(part)) for part in collective)
    collective = Collective(first, second, local)
    b.ops.append(Op(name, count, "comm", Affine(), local, collective, runs_when=DECODE))


def _decode_only(form: Affine) -> Affine:
    terms = dict(form)
    one = terms.pop("one", 0.0)
    if one:
        terms[DECODE] = terms.get(DECODE, 0.0) + one
    return Affine(terms)


def shard_mla_terms(mma: dict, gp: dict, read: dict, write: dict, dcp: int) -> None:
    """Make ``multihead_latent_attention``'s terms DCP's, in place: in decode the attention
    part runs ``dcp`` x the heads (the gathered query) over ``ceil(seq / dcp)`` keys, reads the
    gathered query and writes the gathered heads' output; the absorbed projections keep the
    rank's own heads (msmodeling reads their head count from the weights)."""
    for terms in (mma, gp):
        per_qs = terms.pop("attn_qs", 0.0)
        terms["prefill_qs"] = terms.get("prefill_qs", 0.0) + per_qs
        terms["dcp_qs"] = per_qs * dcp
    read["dcp_kv_read"] = read.get("kv_read", 0.0)
    for terms in (read, write):
        terms["dcp_tokens"] = terms["tokens"] * (dcp - 1)
