"""msmodeling's DFlash draft under ``--compile`` as the ops its compiled graph keeps, beside a
dense GQA target (``tensor_cast/layers/dflash.py``, ``dflash_qwen3.py`` traced through
``tensor_cast/compilation``): not the eager inventory (``draft.py``) fused, an inventory of its
own, read off one-layer ``text_generate --compile`` traces of Qwen3-8B with a 6-layer draft.

What compiling does to the draft: the block's constant metadata (slot ids, block tables, query
starts and lengths, the block's positions and their RoPE rows, the mask ids) folds into
constants, so none of the eager ``arange``/``full``/``index_select`` ops is left; q/k/v and
gate/up run as one matmul each; every norm is a fused ``rms_norm``, and a layer's residual add
fuses with the next norm (``add_rms_norm2``; the last with the final norm, ``add_rms_norm``);
SiLU x up is one ``swiglu``. The anchor ids reach the block through an ``index`` (the sampled
token per request), a ``select_scatter`` and a ``copy``. Every draft linear is unquantized.
"""

from __future__ import annotations

from simulator.dtypes import BF16, INT64
from simulator.forward.affine import Affine, tokens
from simulator.forward.draft import (
    DECODE_TOKENS,
    PerRow,
    _all_reduce,
    _attention,
    _head,
    _kv_width,
    layer_widths,
    rope_and_cache,
)
from simulator.forward.draft import _mm as mm
from simulator.forward.ops import Builder, fused_norm


def compiled_draft_ops(b: Builder) -> None:
    draft = b.dep.draft
    h, vocab = b.dep.model.hidden_size, b.dep.model.vocab_size
    # The sampler over the target's head rows (the aux states' clones of one hidden state fold
    # away: the concatenation reads it directly).
    b.add("argmax", 1, read=Affine(rows=BF16 * vocab), write=Affine(rows=INT64))
    specs = DECODE_TOKENS + Affine(rows=-1.0, prefill_rows=1.0)
    b.add("argmax", 1, read=specs * (BF16 * vocab), write=specs * INT64, runs_when="decode")
    b.add("cat", 1, read=DECODE_TOKENS * INT64, write=DECODE_TOKENS * INT64, runs_when="decode")
    _aux_features(b, draft.aux_layers, h)
    noise = PerRow(b, Affine(rows=float(draft.block)))
    for name in ("index", "select_scatter", "copy"):
        b.add(name, 1, read=Affine(), write=Affine())
    noise.add("embedding", 1, read=tokens(INT64 + BF16 * h), write=tokens(BF16 * h))
    _context_kv(b, draft, h)
    _decoder_layers(noise, draft, h)
    _head(b, draft, h, vocab)


def _aux_features(b: Builder, aux: int, h: int) -> None:
    """A prefill pads the hidden state once (one ``tensor_cast.cat`` of the zero row and every
    token: the aux states are clones of one state, so the pads fold into one) and keeps each
    request's last token; the aux states are then concatenated along the hidden dim (a decode
    concatenates the block's)."""
    padded = Affine(prefill_tokens=BF16 * h, prefill_rows=BF16 * h)
    b.add("cat", 1, read=padded, write=padded, runs_when="prefill")
    rows = (DECODE_TOKENS + Affine(prefill_rows=1.0)) * (BF16 * h * aux)
    b.add("cat", 1, read=rows, write=rows)


def _context_kv(b: Builder, draft, h: int) -> None:
    ctx = PerRow(b, Affine(rows=float(draft.block), prefill_rows=1.0 - draft.block))
    kv = _kv_width(b, draft)
    layers = draft.layers
    mm(ctx, 1, draft.aux_layers * h, h)
    fused_norm(ctx, "rms_norm", 1, h)
    mm(ctx, 1, h, kv * layers * 2)
    # Per layer its context K normed, K and V cloned out of the projection; one RoPE over every
    # layer's K (concatenated); the cache writes. All over the context rows: a prefill's one
    # token per request, a decode's block.
    fused_norm(ctx, "rms_norm", layers, kv)
    ctx.add("clone", 2 * layers, read=tokens(BF16 * kv), write=tokens(BF16 * kv))
    ctx.add("cat", 1, read=tokens(BF16 * kv * layers), write=tokens(BF16 * kv * layers))
    rope = BF16 * kv * layers
    d = draft.head_dim
    ctx.add("apply_rope_single", 1, read=tokens(rope) + Affine(one=2 * BF16 * layers * d),
            write=tokens(rope), gp=tokens(3.0 * kv * layers), gp_dtype="fp32")  # fmt: skip
    ctx.add(
        "reshape_and_cache", layers, read=tokens(2 * BF16 * kv + INT64), write=tokens(2 * BF16 * kv)
    )
    # A decode clones one more block-sized K per layer.
    block_kv = Affine(decode_rows=BF16 * kv * draft.block)
    b.add("clone", layers, read=block_kv, write=block_kv, runs_when="decode")


def _decoder_layers(b: PerRow, draft, h: int) -> None:
    n, q, kv, d, inter = layer_widths(b, draft)
    fused_norm(b, "rms_norm", 1, h)
    if n > 1:
        fused_norm(b, "add_rms_norm2", n - 1, h, residual=True)
    mm(b, n, h, q + 2 * kv)
    fused_norm(b, "rms_norm", n, q)
    fused_norm(b, "rms_norm", n, kv)
    rope_and_cache(b, n, q, kv, d)
    _attention(b, n, q, kv, d)
    mm(b, n, q, h)
    _all_reduce(b, n, h)
    fused_norm(b, "add_rms_norm2", n, h, residual=True)
    mm(b, n, h, 2 * inter)
    b.add("swiglu", n, read=tokens(2 * BF16 * inter), write=tokens(BF16 * inter),
          gp=tokens(7.0 * inter), gp_dtype="fp32")  # fmt: skip
    mm(b, n, inter, h)
    _all_reduce(b, n, h)
    # The last residual add and the final norm: one op that writes the normed state only.
    b.add("add_rms_norm", 1, read=tokens(2 * BF16 * h) + Affine(one=BF16 * h),
          write=tokens(BF16 * h), gp=tokens(6.0 * h), gp_dtype="fp32")  # fmt: skip
