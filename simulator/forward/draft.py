"""msmodeling's DFlash draft (``tensor_cast/layers/dflash.py``, ``dflash_qwen3.py``) as the ops
it traces after the target's head, eager.

``DflashWrapper.forward`` clones the target's last hidden state once per ``target_layer_ids``
entry, samples (a decode splits the argmax into the bonus token's and the block's), builds the
``[anchor | MASK ...]`` ids of a block per request, embeds them and gathers the draft's RoPE
rows, then ``prepare_context_kv``: the aux states concatenated (a prefill first pads each to the
configured context, which the throughput optimizer leaves at 0, so one token per request; a
decode keeps the block), ``fc`` (replicated) and ``hidden_norm``, one fused ``context_kv_proj``,
per draft layer a K norm, one RoPE over every layer's context key, and per layer the attention
metadata and a cache write. Then ``run_noise_decoder``: per layer its metadata and a Qwen3
decoder layer over the block (input norm, q/k/v, q and k norms, fused RoPE, the noise cache
write, attention over the block and the written context, o, an all-reduce, the post norm,
SwiGLU and its all-reduce), the final norm, and the shared lm_head over the block without its
anchor (a decode takes its argmax). Every draft linear is unquantized.

The draft's shapes do not follow the target's tokens: they are per request (``rows``), so its
ops are built on ``Builder`` coordinates where a "token" is one request's ``per_row`` tokens.
"""

from __future__ import annotations

from simulator.dtypes import BF16, INT64
from simulator.forward.affine import Affine, tokens
from simulator.forward.comm import all_gather, all_reduce
from simulator.forward.dspark import dspark_sampling
from simulator.forward.ops import Builder, eager_norm, tp_link

DECODE_TOKENS = Affine(tokens=1.0, prefill_tokens=-1.0)
PAGE = 128  # build_draft_attention_metadata's page_block_size


class PerRow(Builder):
    """Adds ops whose ``tokens`` terms count ``per_row`` (an Affine in rows) per request."""

    def __init__(self, base: Builder, per_row: Affine) -> None:
        self.dep, self.device, self.ops = base.dep, base.device, base.ops
        self.per_row = per_row

    def scaled(self, form: Affine | None) -> Affine | None:
        if not form:
            return form
        out = Affine(one=form.get("one", 0.0))
        for feature, value in form.items():
            if feature != "one":
                assert feature == "tokens", feature
                out = out + self.per_row * value
        return out

    def add(self, name: str, count: int, *, read, write, gp=None, mma=None, **rest) -> None:
        scaled = {"read": self.scaled(read), "write": self.scaled(write)}
        scaled.update(gp=self.scaled(gp), mma=self.scaled(mma))
        super().add(name, count, **scaled, **rest)


def draft_ops(b: Builder) -> None:
    draft = b.dep.draft
    h, vocab = b.dep.model.hidden_size, b.dep.model.vocab_size
    block = float(draft.block)
    # The aux clones and the sampler, over the target's tokens and head rows.
    b.add("clone", draft.aux_layers, read=tokens(BF16 * h), write=tokens(BF16 * h))
    b.add("argmax", 1, read=Affine(rows=BF16 * vocab), write=Affine(rows=INT64))
    specs = DECODE_TOKENS + Affine(rows=-1.0, prefill_rows=1.0)
    b.add("argmax", 1, read=specs * (BF16 * vocab), write=specs * INT64, runs_when="decode")
    b.add("cat", 1, read=DECODE_TOKENS * INT64, write=DECODE_TOKENS * INT64, runs_when="decode")
    b.add("arange", 1, read=Affine(), write=Affine(one=INT64 * block))
    _aux_features(b, draft.aux_layers, h)
    noise = PerRow(b, Affine(rows=block))
    _noise_ids(noise, h)
    context = PerRow(b, Affine(rows=block, prefill_rows=1.0 - block))
    _context_kv(b, context, draft, h)
    for _ in range(draft.layers):
        _metadata(b, 9)
        b.add("arange", 1, read=Affine(), write=Affine(), runs_when="prefill")
        b.add("add", 1, read=Affine(), write=Affine(), runs_when="prefill")
    _decoder_layers(noise, draft, h)
    eager_norm(noise, 1, h, h)
    _head(b, draft, h, vocab)


def _aux_features(b: Builder, aux: int, h: int) -> None:
    """A prefill pads each aux state to one token and keeps the last (``new_zeros`` reads the
    whole state, the ``cat`` writes it again), then concatenates them; a decode concatenates the
    block's."""
    whole = Affine(prefill_tokens=BF16 * h)
    one = Affine(prefill_rows=BF16 * h)
    b.add("new_zeros", aux, read=whole, write=one, runs_when="prefill")
    b.add("cat", aux, read=whole + one, write=whole + one, runs_when="prefill")
    rows = (DECODE_TOKENS + Affine(prefill_rows=1.0)) * (BF16 * h * aux)
    b.add("cat", 1, read=rows, write=rows)


def _noise_ids(b: PerRow, h: int) -> None:
    """The block's ids (full, the anchor's row index, clone, index, copy_), the embedding, a
    clone of the ids, and the draft's RoPE rows (cos and sin)."""
    for name in ("full", "arange", "remainder", "clone", "index", "copy_"):
        b.add(name, 1, read=Affine(), write=Affine())
    b.add("embedding", 1, read=tokens(INT64 + BF16 * h), write=tokens(BF16 * h))
    b.add("clone", 1, read=tokens(INT64), write=tokens(INT64))
    d = b.dep.draft.head_dim
    b.add("index_select", 2, read=tokens(8 + BF16 * d), write=tokens(BF16 * d))


def _context_kv(b: Builder, ctx: PerRow, draft, h: int) -> None:
    kv = _kv_width(b, draft)
    d, layers = draft.head_dim, draft.layers
    _mm(ctx, 1, draft.aux_layers * h, h)
    eager_norm(ctx, 1, h, h)
    _mm(ctx, 1, h, kv * layers * 2)
    one = PerRow(b, Affine(rows=1.0))
    eager_norm(one, layers, kv, d)
    one.add("cat", 1, read=tokens(BF16 * kv * layers), write=tokens(BF16 * kv * layers))
    b.add("arange", layers, read=Affine(), write=Affine(one=INT64))
    b.add("cat", 1, read=Affine(one=INT64 * layers), write=Affine(one=INT64 * layers))
    b.add("index_select", 2, read=Affine(one=layers * (8 + BF16 * d)), write=Affine())
    rope = BF16 * kv * layers
    one.add("apply_rope_single", 1, read=tokens(rope) + Affine(one=2 * BF16 * layers * d),
            write=tokens(rope), gp=tokens(3.0 * kv * layers), gp_dtype="fp32")  # fmt: skip
    for _ in range(layers):
        _metadata(b, 11)
        one.add(
            "reshape_and_cache", 1, read=tokens(2 * BF16 * kv + INT64), write=tokens(2 * BF16 * kv)
        )


def _metadata(b: Builder, ops: int) -> None:
    """``build_draft_attention_metadata``: slot ids, block table, query starts, lengths; small
    index tensors, each op at its fixed cost."""
    b.add("arange", ops, read=Affine(), write=Affine())


def layer_widths(b: Builder, draft) -> tuple[int, int, int, int, int]:
    """A draft's layer count and its per-rank widths: layers, q, kv, head dim, intermediate."""
    kv, d = _kv_width(b, draft), draft.head_dim
    return draft.layers, draft.heads // b.dep.tp * d, kv, d, draft.intermediate_size // b.dep.tp


def rope_and_cache(b: PerRow, n: int, q: int, kv: int, d: int) -> None:
    """The layers' RoPE on q and k, and their cache writes: the same eager and compiled."""
    b.add("apply_rope", n, read=tokens(BF16 * (q + kv + 2 * d)), write=tokens(BF16 * (q + kv)),
          gp=tokens(3.0 * (q + kv)), gp_dtype="fp32")  # fmt: skip
    b.add("reshape_and_cache", n, read=tokens(2 * BF16 * kv + INT64), write=tokens(2 * BF16 * kv))


def _decoder_layers(b: PerRow, draft, h: int) -> None:
    n, q, kv, d, inter = layer_widths(b, draft)
    eager_norm(b, n, h, h)
    _mm(b, n, h, q)
    eager_norm(b, n, q, d)
    _mm(b, 2 * n, h, kv)
    eager_norm(b, n, kv, d)
    rope_and_cache(b, n, q, kv, d)
    _attention(b, n, q, kv, d)
    _mm(b, n, q, h)
    _all_reduce(b, n, h)
    b.add("add", n, read=tokens(2 * BF16 * h), write=tokens(BF16 * h), gp=tokens(h))
    eager_norm(b, n, h, h)
    _mm(b, n, h, inter)
    b.add("silu", n, read=tokens(BF16 * inter), write=tokens(BF16 * inter),
          gp=tokens(6.0 * inter), gp_dtype="fp32")  # fmt: skip
    _mm(b, n, h, inter)
    b.add("mul", n, read=tokens(2 * BF16 * inter), write=tokens(BF16 * inter), gp=tokens(inter))
    _mm(b, n, inter, h)
    _all_reduce(b, n, h)
    b.add("add", n, read=tokens(2 * BF16 * h), write=tokens(BF16 * h), gp=tokens(h))


def _attention(b: PerRow, n: int, q: int, kv: int, d: int) -> None:
    """The block's queries over its own keys and, in a prefill, the one written context key.
    msmodeling's estimate reads each request's cache in whole 128-slot pages of its block table
    (the draft's metadata lists them), not only the keys it attends."""
    heads = q // d
    block = b.dep.draft.block
    keys = Affine(rows=float(block), prefill_rows=1.0)
    qs = keys * float(block)
    pages = -(-block // PAGE), -(-(block + 1) // PAGE)
    slots = Affine(rows=PAGE * pages[0], prefill_rows=PAGE * (pages[1] - pages[0]))
    Builder.add(
        b, "attention", n, mma=qs * (4.0 * heads * d), gp=qs * (4.0 * heads),
        read=Affine(rows=block * BF16 * q) + slots * (2.0 * kv * BF16),
        write=Affine(rows=block * BF16 * q),
    )  # fmt: skip


def _head(b: Builder, draft, h: int, vocab: int) -> None:
    """The block's hidden states without the anchor, copied contiguous, through the target's
    TP-split lm_head and its gather; a decode takes the argmax of the drafts. DSpark's head
    reads the whole block in place and samples it slot by slot (``dspark.py``)."""
    rows = Affine(rows=float(draft.block - (0 if draft.is_dspark else 1)))
    if not draft.is_dspark:
        b.add("clone", 1, read=rows * (BF16 * h), write=rows * (BF16 * h))
    shard = -(-vocab // b.dep.tp)
    weight = Affine(one=BF16 * h * shard)
    b.add("mm", 1, mma=rows * (2.0 * h * shard), read=rows * (BF16 * h) + weight,
          write=rows * (BF16 * shard))  # fmt: skip
    link = tp_link(b.dep)
    if link:
        b.collective("all_gather", 1, all_gather(link, rows * (BF16 * shard)))
    if draft.is_dspark:
        dspark_sampling(b)
        return
    b.add("argmax", 1, read=rows * (BF16 * vocab), write=rows * INT64, runs_when="decode")


def _mm(b: Builder, count: int, k: int, n: int) -> None:
    b.add("mm", count, mma=tokens(2.0 * k * n), read=Affine(tokens=BF16 * k, one=BF16 * k * n),
          write=tokens(BF16 * n))  # fmt: skip


def _all_reduce(b: PerRow, count: int, h: int) -> None:
    link = tp_link(b.dep)
    if link:
        Builder.collective(b, "all_reduce", count, all_reduce(link, b.scaled(tokens(BF16 * h))))


def _kv_width(b: Builder, draft) -> int:
    tp = b.dep.tp
    return (draft.kv_heads // tp if draft.kv_heads >= tp else 1) * draft.head_dim
