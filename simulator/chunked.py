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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.phases.forwards import ForwardCost as Record

SLACK_RATIO = 1.15
"""msmodeling's DecodeFirstWithSlack admits prefill up to 1.15 x the token budget."""


@dataclass(frozen=True)
class Chunk:
    query_len: int
    seq_len: int


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
    state = _Schedule(concurrency, len(chunks), max(output_length - 1, 0))
    tightest: Record | None = None
    last_p = last_d = 0.0
    while state.finished < concurrency:
        chunk = chunks[state.pending[0][1]] if state.pending else None
        waiting = state.waiting
        query = chunk.query_len if chunk else budget
        p_step, d_step = decide(waiting, state.front(), query, budget)
        if p_step == 0 and d_step == 0:
            raise RuntimeError("chunked prefill schedule made no progress")
        p_ms = d_ms = 0.0
        if p_step:
            record = prefill(p_step, chunk)
            tightest = _tighter(tightest, record)
            last_p = p_ms = record.latency_ms
            if record.left_bytes < 0:
                return Replay(
                    state.now + p_ms, math.inf, 0.0, tightest, True, False, last_p, last_d
                )
        if d_step:
            record = decode(d_step)
            tightest = _tighter(tightest, record)
            last_d = d_ms = record.latency_ms
            if record.left_bytes < 0:
                return Replay(
                    state.now + d_ms, math.inf, 0.0, tightest, False, True, last_p, last_d
                )
        if p_step == 0 and d_step == waiting:
            state.decode_everyone(d_ms)
            continue
        state.now += max(p_ms, d_ms)
        state.advance_prefill(p_step)
        state.advance_decode(d_step)
    assert tightest is not None
    ttft = state.first_sum / concurrency
    tpot = 0.0 if state.tokens_after_first == 0 else state.tpot_sum / concurrency
    makespan = state.last_finish
    tokens = 1000 * output_length * concurrency / makespan if makespan > 0 else 0.0
    return Replay(ttft, tpot, tokens, tightest, False, False, last_p, last_d)


def _tighter(current: Record | None, record: Record) -> Record:
    return record if current is None or record.left_bytes < current.left_bytes else current


class _Schedule:
    """The replay's moving state: request groups waiting for a chunk or decoding, and tallies."""

    def __init__(self, concurrency: int, chunks: int, tokens_after_first: int) -> None:
        self.pending: deque[list[int]] = deque([[concurrency, 0]])  # [count, next chunk]
        self.ready: deque[list] = deque()  # [count, decode tokens left, first-token time]
        self.chunks = chunks
        self.tokens_after_first = tokens_after_first
        self.now = self.first_sum = self.tpot_sum = self.last_finish = 0.0
        self.finished = 0
        self.waiting = 0
        """Requests in ``ready``."""
        self.at_chunk = [concurrency] + [0] * chunks
        """Pending requests by next chunk. The queue is sorted by it and spans at most two
        neighbouring chunks (each served group moves to the back one chunk on), so the front
        group's chunk holds exactly the pending requests that share it."""

    def front(self) -> int:
        """Pending requests that share the front group's next chunk."""
        return self.at_chunk[self.pending[0][1]] if self.pending else 0

    def advance_prefill(self, selected: int) -> None:
        for take, group in _take(self.pending, selected):
            following = group[1] + 1
            self.at_chunk[group[1]] -= take
            if following < self.chunks:
                self.at_chunk[following] += take
                if self.pending and self.pending[-1][1] == following:
                    self.pending[-1][0] += take
                else:
                    self.pending.append([take, following])
                continue
            self.first_sum += take * self.now
            if self.tokens_after_first > 0:
                self.ready.append([take, self.tokens_after_first, self.now])
                self.waiting += take
            else:
                self._finish(take)

    def advance_decode(self, selected: int) -> None:
        for take, group in _take(self.ready, selected):
            self._decoded(take, group[1] - 1, group[2])

    def decode_everyone(self, step_ms: float) -> None:
        """Run identical decode-only steps up to the next finish, in one pass over the groups.

        Nothing is pending and every ready request decodes, so each step repeats the last one
        until a group finishes. The clock still advances step by step, so the sums are the
        same floats as stepping one at a time.
        """
        steps = min(group[1] for group in self.ready)
        for _ in range(steps):
            self.now += step_ms
        groups, self.ready = self.ready, deque()
        for count, left, first in groups:
            self._decoded(count, left - steps, first)

    def _decoded(self, count: int, left: int, first_token_ms: float) -> None:
        """Requeue a group with ``left`` tokens to go, or finish it and add its TPOT."""
        if left > 0:
            self.ready.append([count, left, first_token_ms])
            return
        self._finish(count)
        self.waiting -= count
        self.tpot_sum += count * ((self.now - first_token_ms) / self.tokens_after_first)

    def _finish(self, count: int) -> None:
        self.finished += count
        self.last_finish = max(self.last_finish, self.now)


def _take(queue: deque[list], selected: int):
    """Serve ``selected`` requests from the front of ``queue``, splitting a group if needed.

    Yields (count served, the group); the caller reads the group's other fields and re-queues
    what moves on.
    """
    while selected > 0:
        group = queue[0]
        take = min(selected, group[0])
        if take == group[0]:
            queue.popleft()
        else:
            group[0] -= take
        yield take, group
        selected -= take
