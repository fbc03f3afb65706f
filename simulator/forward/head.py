"""The two ends of a decoder forward as msmodeling traces them: the token embedding, and a head
(final norm, the rows the sampler keeps, the lm_head and its gather over TP). The main model and
every MTP layer have one each."""

from __future__ import annotations

from simulator.deployment import Deployment
from simulator.dtypes import BF16, INT64
from simulator.forward.affine import Affine, tokens
from simulator.forward.ops import Builder, eager_norm, fused_norm, tp_all_gather
from simulator.linears import WordEmbeddingTP


def embedding(b: Builder, count: int, *, main: bool = False) -> int:
    """A token embedding; the ``main`` model's follows ``word_embedding_tp`` (MTP layers keep
    theirs whole: msmodeling's TP plan matches ``embed_tokens`` alone). Returns the TP
    all-reduces of the hidden state it leaves to the caller (row mode's one, which costs what
    each layer's does, so it joins theirs as one op)."""
    dep = b.dep
    h = dep.model.hidden_size
    mode = dep.word_embedding_tp if main and dep.tp > 1 else None
    if mode is WordEmbeddingTP.COL:
        # Each rank looks up its ceil(h / TP) columns; an all-gather along the hidden dim.
        width = -(-h // dep.tp)
        b.add("embedding", count, read=tokens(INT64 + BF16 * width), write=tokens(BF16 * width))
        tp_all_gather(b, count, tokens(BF16 * width))
        return 0
    if mode is WordEmbeddingTP.ROW:
        _row_sharded_lookup(b, count, h)
        return count
    b.add("embedding", count, read=tokens(INT64 + BF16 * h), write=tokens(BF16 * h))
    return 0


def _row_sharded_lookup(b: Builder, count: int, h: int) -> None:
    """ParallelEmbedding's row mode: ids in this rank's vocab range (ge, lt, and), shifted to
    it (sub, zeros_like, where), looked up, the other rows zeroed (not, masked_fill_)."""
    ids, mask = tokens(INT64), tokens(1)
    b.add("ge", count, read=ids, write=mask)
    b.add("lt", count, read=ids, write=mask)
    b.add("bitwise_and", count, read=mask * 2, write=mask)
    b.add("sub", count, read=ids, write=ids)
    b.add("zeros_like", count, read=ids, write=ids)
    b.add("where", count, read=mask + ids * 2, write=ids)
    b.add("embedding", count, read=tokens(INT64 + BF16 * h), write=tokens(BF16 * h))
    b.add("bitwise_not", count, read=mask, write=mask)
    b.add("masked_fill_", count, read=tokens(BF16 * h + 1), write=tokens(BF16 * h))


def main_head_rows(dep: Deployment) -> Affine:
    """The hidden states the main lm_head reads (``select_lm_head_hidden_states``): each
    prompt's last token in a prefill, every query token in a decode (with MTP: the drafts it
    verifies and the bonus token; with a draft, its block)."""
    if not dep.num_mtp_tokens and dep.draft is None:
        return Affine(rows=1.0)
    return Affine(tokens=1.0, prefill_tokens=-1.0, prefill_rows=1.0)


def head(
    b: Builder, count: int, rows: Affine, *, norm: bool, selects_always: bool, draft: bool = False
) -> None:
    """An lm_head over ``rows`` hidden states, after the final norm when there is one (an MTP
    layer's head, a ``draft`` head, has none). Rows are picked by index in every prefill, and
    in every forward where ``selects_always`` (with MTP, msmodeling indexes the verified and
    proposal rows)."""
    dep = b.dep
    h = dep.model.hidden_size
    if norm and dep.compile:
        fused_norm(b, "rms_norm", count, h)
    elif norm:
        eager_norm(b, count, h, h)
    _select_rows(b, count, rows, selects_always, draft)
    vocab = -(-dep.model.vocab_size // dep.tp)
    b.add(
        "mm",
        count,
        mma=rows * (2.0 * h * vocab),
        read=rows * (BF16 * h) + Affine(one=BF16 * h * vocab),
        write=rows * (BF16 * vocab),
    )
    tp_all_gather(b, count, rows * (BF16 * vocab))


def _select_rows(b: Builder, count: int, rows: Affine, always: bool, draft: bool) -> None:
    """Eager, ``index_select`` reads only the rows it keeps; compiled, ``aten.index`` reads the
    whole hidden state (msmodeling's default estimate reads every input tensor)."""
    dep = b.dep
    h = dep.model.hidden_size
    picked = rows if always else Affine(prefill_rows=1.0)
    if dep.compile:
        every = Affine(tokens=1.0) if always else Affine(prefill_tokens=1.0)
        read = every * (BF16 * h) + picked * INT64
    else:
        read = picked * (BF16 * h + INT64)
    b.add(
        "index" if dep.compile else "index_select",
        count,
        read=read,
        write=picked * (BF16 * h),
        runs_when="one" if always else "prefill",
    )
    if always:
        # A decode's row ids come from the speculative-decode metadata, copied first (compiled,
        # once for the main head and once for all the draft heads).
        copy = {"read": picked * INT64, "write": picked * INT64, "runs_when": "decode"}
        copies = 1 if draft and dep.compile else count
        b.add("device_put" if dep.compile else "_to_copy", copies, **copy)
