"""msmodeling's prefill chunk plan of a length distribution, as one row of sums per chunk.

get_prefill_chunk_plan (serving_cast/service/utils.py) lays a concurrency's requests out in bin
order and cuts their prefill tokens into chunks of the token budget: every chunk but the last
holds exactly the budget, and a request cut at a chunk's end goes on in the next one, attending
over its tokens so far. A mixed forward costs sums over its requests' parts
(``forward/features.py``), so the plan keeps those sums, in numpy columns: one probe's twenty
chunks cost one vectorized pass, not twenty.

This module imports numpy, which the simulator otherwise loads only where it sweeps; it is
imported where a distribution is planned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.forward.features import PREFILL_FROM_QUERY_LEN, Features

SUMS = (
    "tokens", "rows", "attn_qs", "kv_read", "prefill_tokens", "prefill_qs", "prefill_rows",
    "finished",
)  # fmt: skip
"""The per-chunk sums, in ``ChunkPlan.sums``'s rows: new tokens (the budget, but in the last
chunk); requests with a part in it; part x sequence so far; sequences so far (the KV its
requests hold); the same three over parts of ``PREFILL_FROM_QUERY_LEN`` tokens or more and
their count; requests whose last part is in it."""


@dataclass(frozen=True, eq=False)
class ChunkPlan:
    """Per chunk: its sums (int64, one row per ``SUMS`` name), its longest sequence so far and
    whether its parts have different lengths."""

    sums: np.ndarray
    longest: np.ndarray
    mixed: np.ndarray

    @classmethod
    def of_requests(cls, query_lens, budget: int, counts=None) -> ChunkPlan:
        """Requests of these prefill lengths (each at least 1; ``counts`` of each, if given),
        in order, cut into chunks of ``budget`` tokens: a request's parts are its overlaps
        with the chunks' token ranges."""
        query = np.asarray(query_lens, dtype=np.int64)
        if counts is not None:
            query = np.repeat(query, np.asarray(counts, dtype=np.int64))
        ends = np.cumsum(query)
        starts = ends - query
        first = starts // budget
        spans = (ends - 1) // budget - first + 1
        request = np.repeat(np.arange(query.size), spans)
        chunk = np.arange(request.size) - np.repeat(np.cumsum(spans) - spans - first, spans)
        start, end = starts[request], ends[request]
        high = np.minimum(end, (chunk + 1) * budget)
        part = high - np.maximum(start, chunk * budget)
        seq = high - start
        at = np.flatnonzero(np.concatenate(([True], chunk[1:] != chunk[:-1])))
        prefill = (part >= PREFILL_FROM_QUERY_LEN).astype(np.int64)
        qs = part * seq
        ones = np.ones_like(part)
        parts = np.stack((part, ones, qs, seq, part * prefill, qs * prefill, prefill, high == end))
        low, high = np.minimum.reduceat(part, at), np.maximum.reduceat(part, at)
        return cls(np.add.reduceat(parts, at, axis=1), np.maximum.reduceat(seq, at), low != high)

    def __len__(self) -> int:
        return int(self.sums.shape[1])

    def __getattr__(self, name: str) -> np.ndarray:
        if name in SUMS:
            return self.sums[SUMS.index(name)]
        raise AttributeError(name)

    def features(self) -> Features:
        """The chunks' forward features, as msmodeling's varlen forward sees them: a chunk is
        a prefill when any of its parts is, and batched with more than one request."""
        tokens, rows, qs, kv, p_tokens, p_qs, p_rows, _ = self.sums.astype(np.float64)
        prefill = (p_rows > 0).astype(np.float64)
        batched = (rows > 1).astype(np.float64)
        return Features(
            tokens, rows, qs, kv, prefill, p_tokens, p_qs, p_rows, 1.0 - prefill, batched
        )
