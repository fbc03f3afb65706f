"""What a forward's cost depends on, per rank: a named record of its shape's features.

Ops cost affine sums of these (``affine.py``): ``tokens`` (query tokens), ``rows`` (sequences),
``attn_qs`` (sum of query x sequence lengths), ``kv_read`` (sum of sequence lengths), and for ops
that cost prefill and decode differently (MLA) ``prefill`` (1 in a prefill forward) with its
``prefill_tokens``, ``prefill_qs`` and ``prefill_rows``; ``decode`` (1 in a decode forward) and
``batched`` (1 with more than one sequence) for the fixed costs of ops only such forwards run.
Under decode context parallel (``simulator/dcp.py``) a decode forward's MLA attention reads
``ceil(seq / dcp)`` keys: ``dcp_tokens`` is its query tokens, ``dcp_qs`` its query x
shard-length sum, ``dcp_kv_read`` the change in ``kv_read`` and ``dcp_batched`` 1 with more than
one sequence (all 0 without DCP and in prefill forwards). ``decode_rows`` is ``rows`` in a decode
forward and 0 in a prefill: ops only decode runs (DSpark's heads) scale with it, so their terms
stay non-negative and a memory-bound one folds into the constant-time sum (``roofline.py``).
``mla_prefill_qs`` is ``prefill_qs`` by msmodeling's MLA rule alone (``PREFILL_FROM_QUERY_LEN``
query tokens or more): beside a draft, a decode step's block of 6 tokens or more is a decode
forward whose MLA attention msmodeling still costs as a prefill (only MLA targets with a draft
read it). ``one`` is the constant term.
"""

from __future__ import annotations

from typing import NamedTuple

from simulator.numbers import Numbers

PREFILL_FROM_QUERY_LEN = 6
"""msmodeling's MLA cost treats a request as prefill from 6 query tokens on (decode below)."""


class Features(NamedTuple):
    """One forward shape's features (Python floats), or many shapes' (numpy arrays)."""

    tokens: object
    rows: object
    attn_qs: object
    kv_read: object
    prefill: object
    prefill_tokens: object
    prefill_qs: object
    prefill_rows: object
    decode: object
    batched: object
    dcp_tokens: object = 0.0
    dcp_qs: object = 0.0
    dcp_kv_read: object = 0.0
    dcp_batched: object = 0.0
    decode_rows: object = 0.0
    mla_prefill_qs: object = 0.0

    @classmethod
    def of(
        cls, rank_batch, query_len, seq_len, num: Numbers, dcp: int = 1, prefill_from: int = 0
    ) -> Features:
        """Features of forwards of ``rank_batch`` sequences of ``query_len`` new tokens each,
        attending over ``seq_len`` tokens, with ``dcp`` decode context parallel ranks; a
        forward of ``prefill_from`` query tokens or more is a prefill (default
        ``PREFILL_FROM_QUERY_LEN``; with a draft, longer than its block)."""
        rows = num.as_float(rank_batch)
        tokens = rows * query_len
        prefill = num.as_float(query_len >= (prefill_from or PREFILL_FROM_QUERY_LEN))
        qs = tokens * seq_len
        # tensor_cast/performance_model/__init__.py _sparse_mla_decode_mask: the dense MLA op
        # gets no per-request phase, so a query of _PREDICTIVE_DECODING_THRESHOLD (6) or more
        # tokens is costed as prefill, whatever the forward's phase.
        mla_prefill = num.as_float(query_len >= PREFILL_FROM_QUERY_LEN)
        dcp_tokens = dcp_qs = dcp_kv_read = dcp_batched = 0.0
        if dcp > 1:
            # msmodeling rounds the shard up (at least 1): the longest shard sets the step.
            shard = num.as_float(-(-seq_len // dcp))
            decode_rows = rows * (1.0 - prefill)
            dcp_tokens = decode_rows * query_len
            dcp_qs = dcp_tokens * shard
            dcp_kv_read = decode_rows * (shard - seq_len)
            dcp_batched = (1.0 - prefill) * num.as_float(rank_batch > 1)
        return cls(
            tokens,
            rows,
            qs,
            rows * seq_len,
            prefill,
            tokens * prefill,
            qs * prefill,
            rows * prefill,
            1.0 - prefill,
            num.as_float(rank_batch > 1),
            dcp_tokens,
            dcp_qs,
            dcp_kv_read,
            dcp_batched,
            rows * (1.0 - prefill),
            qs * mla_prefill,
        )


FEATURES = ("one", *Features._fields)
