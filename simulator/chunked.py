"""Chunked prefill in agg mode, replayed as msmodeling's optimizer replays it.

When the prompt is longer than ``max_batched_tokens``, msmodeling (``agg_throughput_optimizer``,
``_simulate_chunked_prefill``) splits it into chunks of at most that many tokens and steps a
scheduler: each step runs some requests' next prefill chunk beside one decode token of every
ready request, and lasts as long as the slower of the two (they overlap). The final chunk emits
the first token; TTFT is its mean time over requests, TPOT the mean of (finish - first token) /
(output - 1), throughput output tokens over the makespan. Memory is the tightest step's. A
forward that runs out of memory stops the replay; when it is a decode step, msmodeling reports
TPOT as infinity (which a two-point estimate then reads as a very steep TPOT line).

The replay is a loop over steps, so it runs per batch size; a sweep is the same loop per batch.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

SLACK_RATIO = 1.15
"""msmodeling's DecodeFirstWithSlack admits prefill up to 1.15 x the token budget."""


@dataclass(frozen=True)
class Chunk:
    query_len: int
    seq_len: int


@dataclass(frozen=True)
class Record:
    """One forward of the replay: latency, and the memory it leaves, in msmodeling's units."""

    latency_ms: float
    left_bytes: float
    kv_bytes: float
    activation_bytes: float


@dataclass(frozen=True)
class Replay:
    ttft_ms: float
    tpot_ms: float
    tokens_per_s: float
    left: Record
    """The record with the least memory left (the one that decides OOM)."""
    prefill_oom: bool
    decode_oom: bool
    last_prefill_ms: float
    last_decode_ms: float


def chunk_plan(input_length: int, budget: int) -> list[Chunk]:
    chunks, done = [], 0
    while done < input_length:
        query = min(budget, input_length - done)
        done += query
        chunks.append(Chunk(query, done))
    return chunks


def decide(ready: int, pending: int, chunk_query: int, budget: int) -> tuple[int, int]:
    """(prefill requests, decode requests) for one step: decode first, prefill in the slack."""
    decode = min(ready, budget)
    limit = math.floor(budget * SLACK_RATIO)
    prefill = max(0, min(pending, math.floor((limit - decode) / chunk_query)))
    return prefill, decode


def replay(
    concurrency: int,
    output_length: int,
    chunks: list[Chunk],
    budget: int,
    prefill: Callable[[int, Chunk], Record],
    decode: Callable[[int], Record],
) -> Replay:
    """Step the schedule for ``concurrency`` requests; ``budget`` is the combined DP budget."""
    pending: deque[list[int]] = deque([[concurrency, 0]])  # [count, next chunk index]
    ready: deque[list] = deque()  # [count, decode tokens left, first-token time]
    tokens_after_first = max(output_length - 1, 0)
    finished, now, last_finish, first_sum, tpot_sum = 0, 0.0, 0.0, 0.0, 0.0
    tightest: Record | None = None
    last_p = last_d = 0.0
    while finished < concurrency:
        chunk = chunks[pending[0][1]] if pending else None
        front = _front(pending)
        waiting = sum(group[0] for group in ready)
        p_step, d_step = decide(waiting, front, chunk.query_len if chunk else budget, budget)
        if p_step == 0 and d_step == 0:
            raise RuntimeError("chunked prefill schedule made no progress")
        p_ms = d_ms = 0.0
        if p_step:
            record = prefill(p_step, chunk)
            tightest = _tighter(tightest, record)
            last_p = p_ms = record.latency_ms
            if record.left_bytes < 0:
                return Replay(now + p_ms, math.inf, 0.0, tightest, True, False, last_p, last_d)
        if d_step:
            record = decode(d_step)
            tightest = _tighter(tightest, record)
            last_d = d_ms = record.latency_ms
            if record.left_bytes < 0:
                return Replay(now + d_ms, math.inf, 0.0, tightest, False, True, last_p, last_d)
        now += max(p_ms, d_ms)
        if p_step:
            first_sum, finished, last_finish = _advance_prefill(
                pending,
                ready,
                len(chunks),
                p_step,
                now,
                tokens_after_first,
                first_sum,
                finished,
                last_finish,
            )
        if d_step:
            tpot_sum, finished, last_finish = _advance_decode(
                ready, d_step, now, tokens_after_first, tpot_sum, finished, last_finish
            )
    ttft = first_sum / concurrency
    tpot = 0.0 if tokens_after_first == 0 else tpot_sum / concurrency
    tokens = 1000 * output_length * concurrency / last_finish if last_finish > 0 else 0.0
    assert tightest is not None
    return Replay(ttft, tpot, tokens, tightest, False, False, last_p, last_d)


def _front(pending: deque[list[int]]) -> int:
    """Pending requests that share the front group's next chunk."""
    if not pending:
        return 0
    index, total = pending[0][1], 0
    for count, chunk in pending:
        if chunk != index:
            break
        total += count
    return total


def _tighter(current: Record | None, record: Record) -> Record:
    return record if current is None or record.left_bytes < current.left_bytes else current


def _advance_prefill(pending, ready, chunks, selected, now, tokens, first_sum, finished, last):
    while selected > 0:
        group = pending[0]
        take = min(selected, group[0])
        if take == group[0]:
            pending.popleft()
        else:
            group[0] -= take
        following = group[1] + 1
        if following < chunks:
            pending.append([take, following])
        else:
            first_sum += take * now
            if tokens > 0:
                ready.append([take, tokens, now])
            else:
                finished += take
                last = max(last, now)
        selected -= take
    return first_sum, finished, last


def _advance_decode(ready, selected, now, tokens, tpot_sum, finished, last):
    while selected > 0:
        group = ready[0]
        take = min(selected, group[0])
        if take == group[0]:
            ready.popleft()
        else:
            group[0] -= take
        left = group[1] - 1
        if left == 0:
            finished += take
            last = max(last, now)
            tpot_sum += take * ((now - group[2]) / tokens)
        else:
            ready.append([take, left, group[2]])
        selected -= take
    return tpot_sum, finished, last
