"""msmodeling's MTP (``tensor_cast/layers/mtp.py``) as the ops it traces after the main head.

``MtpWrapper.forward`` samples the main head's logits, builds the RoPE tables once for every MTP
layer, then runs each MTP layer on every token of the forward: shift the input ids, embed them,
norm the embedding and the previous hidden states (``torch.nn.RMSNorm``: eager it runs as its
decomposition, with the weight multiplied in fp32), project their concatenation, one decoder
block like the last layer, and a head with no final norm over one proposal row per request."""

from __future__ import annotations

from simulator.dtypes import BF16, FP32, INT64
from simulator.forward.affine import Affine, tokens
from simulator.forward.head import embedding, head, main_head_rows
from simulator.forward.ops import Builder, eager_norm, fused_norm, linear, rope_dim

ROWS = Affine(rows=1.0)
BATCHED = "batched"


def mtp_layers(b: Builder, count: int, layer) -> None:
    dep, model = b.dep, b.dep.model
    h, vocab = model.hidden_size, model.vocab_size
    main = main_head_rows(dep)
    # The sampler's argmax over the main logits; a decode splits it into the bonus token's and
    # the verified drafts' and concatenates them. Then the output ids buffer and its first column.
    b.add("argmax", 1, read=main * (BF16 * vocab), write=main * INT64)
    b.add("cat", 1, read=tokens(INT64), write=tokens(INT64), runs_when="decode", extra_static=1)
    empty_when = BATCHED if dep.compile else "one"
    b.add("empty", 1, read=Affine(), write=ROWS * INT64, runs_when=empty_when)
    _output_column(b, 1)
    _rope_tables(b)
    b.add("shift_and_update_input_ids", count, read=tokens(INT64), write=tokens(INT64))
    embedding(b, count)
    if dep.compile:
        fused_norm(b, "rms_norm", 2 * count, h)
    else:
        eager_norm(b, 2 * count, h, h, weight_in_fp32=True)
    b.add("cat", count, read=tokens(2 * BF16 * h), write=tokens(2 * BF16 * h))
    linear(b, "static_quant_linear", count, 2 * h, h, quant_op=True, expert=True)
    layer(b, count, 0 if model.mtp_block_is_moe else count)
    head(b, count, ROWS, norm=False, selects_always=True, draft=True)
    b.add("argmax", count, read=ROWS * (BF16 * vocab), write=ROWS * INT64)
    _output_column(b, count)


def _output_column(b: Builder, count: int) -> None:
    """A token per request into the output ids: eager ``copy_``; compiled ``copy`` and
    ``select_scatter``, and a ``slice_scatter`` unless the forward holds one sequence (then the
    slice is the whole buffer, which the compiled graph also does not allocate apart)."""
    ids = {"read": ROWS * INT64, "write": ROWS * INT64}
    b.add("copy_", count, **ids, extra_static=int(b.dep.compile))
    if b.dep.compile:
        b.add("slice_scatter", count, **ids, runs_when=BATCHED)


def _rope_tables(b: Builder) -> None:
    """The positions' RoPE tables in fp32, as the rotary embedding computes them: the
    positions cast, a bmm with the inverse frequencies, the halves concatenated (compiled: a
    clone), cos and sin each scaled, and both cast to 16 bits."""
    d = rope_dim(b.dep)
    b.add("_to_copy", 1, read=tokens(INT64), write=tokens(FP32))
    half = d // 2
    b.add(
        "bmm",
        1,
        mma=tokens(2.0 * half),
        mma_dtype="fp32",
        read=tokens(FP32) + Affine(one=FP32 * half),
        write=tokens(FP32 * half),
    )
    table = {"read": tokens(FP32 * d), "write": tokens(FP32 * d)}
    for name in ("clone" if b.dep.compile else "cat", "cos", "mul", "sin", "mul"):
        b.add(name, 1, **table)
    b.add("_to_copy", 2, read=tokens(FP32 * d), write=tokens(BF16 * d))
