"""msmodeling's prefill chunk plan of a length distribution, as one row of sums per chunk.

get_prefill_chunk_plan (serving_cast/service/utils.py) lays a concurrency's requests out in bin
order and cuts their prefill tokens into chunks of the token budget: every chunk but the last
holds exactly the budget, and a request cut at a chunk's end goes on in the next one, attending
over its tokens so far. A mixed forward costs sums over its requests' parts
(``forward/features.py``), so the plan keeps those sums, one row per chunk.

The rows are summed bin by bin, not request by request: a bin's requests all have its
representative length, so the whole requests a chunk holds of one bin add ``count x`` their
part in one step, and a probe's plan costs Python arithmetic per chunk and per bin, not per
request (numpy's per-call overhead is most of a small array's cost). The rows become one int64
table, in one conversion, whose leading columns are the forward's ``FEATURES``: the roofline
reads them as they are (``Roofline.table_s``).

This module imports numpy, which the simulator otherwise loads only where it sweeps; it is
imported where a distribution is planned.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from itertools import chain

import numpy as np

from simulator.forward.features import FEATURES, PREFILL_FROM_QUERY_LEN, Features

COLUMNS = (*FEATURES[:11], "finished", "longest", "mixed")
"""A plan row: the chunk's forward features (``one``, new tokens, requests with a part in it,
part x sequence so far, sequences so far, whether any part is a prefill, the same three sums
over parts of ``PREFILL_FROM_QUERY_LEN`` tokens or more and their count, ``decode``,
``batched``), then the requests whose last part is in it, its longest sequence so far and
whether its parts have different lengths."""
SUMS = (
    "tokens", "rows", "attn_qs", "kv_read", "prefill_tokens", "prefill_qs", "prefill_rows",
    "finished",
)  # fmt: skip
LARGEST = 1 << 62


def _row(t, r, qs, kv, pt, pq, pr, finished, longest, mixed) -> tuple:
    prefill = 1 if pr else 0
    return (1, t, r, qs, kv, prefill, pt, pq, pr, 1 - prefill, 1 if r > 1 else 0,
            finished, longest, 1 if mixed else 0)  # fmt: skip


def _interior(q: int, n: int, h: int, budget: int, rows: list) -> tuple[int, int]:
    """The chunks inside a bin with ``n`` requests of ``q`` tokens yet to start, from one that
    opens with the last ``h`` tokens of a request (over all ``q``): each holds such a head,
    ``k`` whole requests and the first ``s`` tokens of the next, in closed form. Appends
    them to ``rows``; returns the requests yet to start and the head of the chunk left open
    (0 where the last one closed between two requests)."""
    qq, whole = q * q, 1 if q >= PREFILL_FROM_QUERY_LEN else 0
    while True:
        k, s = divmod(budget - h, q)
        if n < k + (1 if s else 0) or q - s > budget:
            return n, h  # the bin ends in this chunk, or its next request outlasts the next
        p_h, p_s = h >= PREFILL_FROM_QUERY_LEN, s >= PREFILL_FROM_QUERY_LEN
        pr = p_h + k * whole + p_s
        r = 1 + k + (1 if s else 0)
        rows.append((
            1, budget, r, h * q + k * qq + s * s, q + k * q + s, 1 if pr else 0,
            h * p_h + k * q * whole + s * p_s, h * q * p_h + k * qq * whole + s * s * p_s, pr,
            0 if pr else 1, 1 if r > 1 else 0, 1 + k, q, 1 if k or (s and s != h) else 0,
        ))  # fmt: skip
        n -= k + (1 if s else 0)
        if not s:
            return n, 0
        h = q - s


def _split(q: int, done: int, budget: int, rows: list) -> int:
    """A request of ``q`` tokens whose first ``done`` ran: the chunks it fills alone (each
    appended to ``rows``); returns the tokens it has done before its last part."""
    p = 1 if budget >= PREFILL_FROM_QUERY_LEN else 0
    while q - done > budget:
        seq = done + budget
        rows.append(_row(budget, 1, budget * seq, seq, budget * p, budget * seq * p, p, 0, seq, 0))
        done = seq
    return done


def plan_rows(query_lens, counts, budget: int) -> list[tuple]:
    """The plan's rows (``COLUMNS``) of ``counts[i]`` requests of ``query_lens[i]`` tokens
    each (every one at least 1), in order, cut into chunks of ``budget`` tokens."""
    rows: list[tuple] = []
    t = r = qs = kv = pt = pq = pr = fin = longest = high = 0
    low, room, prefill_from = LARGEST, budget, PREFILL_FROM_QUERY_LEN
    for q, n in zip(query_lens, counts, strict=True):
        while n:
            k = room // q
            if k:  # whole requests: each its full length, over itself
                if k > n:
                    k = n
                kq = k * q
                t += kq
                r += k
                qs += kq * q
                kv += kq
                fin += k
                if q >= prefill_from:
                    pt += kq
                    pq += kq * q
                    pr += k
                if q > high:  # a part is never longer than the chunk's longest sequence
                    high = q
                    if q > longest:
                        longest = q
                if q < low:
                    low = q
                room -= kq
                n -= k
            else:  # the next request does not fit: its first part closes the chunk
                if room >= prefill_from:
                    pt, pq, pr = pt + room, pq + room * room, pr + 1
                mixed = (room if room < low else low) != (room if room > high else high)
                longest = room if room > longest else longest
                rows.append(_row(t + room, r + 1, qs + room * room, kv + room, pt, pq, pr,
                                 fin, longest, mixed))  # fmt: skip
                part = q - (room if q - room <= budget else _split(q, room, budget, rows))
                n, part = _interior(q, n - 1, part, budget, rows)
                t, r, qs, kv, fin, longest, low, high = part, 1, part * q, q, 1, q, part, part
                pt, pq, pr = (part, part * q, 1) if part >= prefill_from else (0, 0, 0)
                room = budget - part
                if not part:  # the chunks fell between two requests
                    t = r = qs = kv = fin = longest = 0
                    low = LARGEST
            if not room:
                rows.append(_row(t, r, qs, kv, pt, pq, pr, fin, longest, low != high))
                t = r = qs = kv = pt = pq = pr = fin = longest = high = 0
                low, room = LARGEST, budget
    if t:
        rows.append(_row(t, r, qs, kv, pt, pq, pr, fin, longest, low != high))
    return rows


@dataclass(frozen=True, eq=False)
class ChunkPlan:
    """One row per chunk (``COLUMNS``): as Python tuples, and as an int64 table; a sum's
    name (``SUMS``), ``longest`` or ``mixed`` is that table column."""

    tuples: list[tuple]
    table: np.ndarray

    @classmethod
    def of_requests(cls, query_lens, budget: int, counts=None) -> ChunkPlan:
        """Requests of these prefill lengths (each at least 1; ``counts`` of each, if given),
        in order, cut into chunks of ``budget`` tokens: a request's parts are its overlaps
        with the chunks' token ranges."""
        query_lens = [int(q) for q in query_lens]
        counts = [1] * len(query_lens) if counts is None else [int(n) for n in counts]
        return cls.of_rows(plan_rows(query_lens, counts, int(budget)))

    @classmethod
    def of_samples(cls, samples, budget: int) -> ChunkPlan:
        """A distribution's requests: (representative, count) per bin (``Lengths.samples``)."""
        return cls.of_rows(
            plan_rows([row.query_len for row, _ in samples], [n for _, n in samples], budget)
        )

    @classmethod
    def of_rows(cls, rows: list[tuple]) -> ChunkPlan:
        """The rows, and their table: packed as int64 by ``struct`` (a third of what numpy's
        conversion of nested sequences costs, the most of a small plan's)."""
        packed = struct.pack(f"{len(rows) * len(COLUMNS)}q", *chain.from_iterable(rows))
        table = np.frombuffer(packed, dtype=np.int64).reshape(len(rows), len(COLUMNS))
        return cls(rows, table)

    def __len__(self) -> int:
        return len(self.tuples)

    def __getattr__(self, name: str) -> np.ndarray:
        if name in SUMS or name == "longest":
            return self.table[:, COLUMNS.index(name)]
        if name == "mixed":
            return self.table[:, COLUMNS.index(name)].astype(bool)
        raise AttributeError(name)

    def features(self) -> Features:
        """The chunks' forward features, as msmodeling's varlen forward sees them: a chunk is
        a prefill when any of its parts is, and batched with more than one request."""
        return Features(*self.table[:, 1:11].astype(np.float64).T)
