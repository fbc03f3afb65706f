"""Chunked prefill in disaggregated prefill (serving model §1.5), as msmodeling schedules it.

When the prompt (after the prefix cache) is longer than ``max_batched_tokens``, msmodeling's
disagg optimizer (``disagg_throughput_optimizer.get_inference_info``, the wave branch) splits it
into the same chunks as agg's plan and runs them in order. Each chunk runs in waves of one
chunk shape: ``max(budget x DP // chunk query, 1)`` requests, the last wave the remainder, with
the chunk's query and sequence length. There is no overlap with decode and no packing of chunk
positions across requests. The phase starts at the serving cost and its latency is the sum of
every wave; a request's TTFT is the time its final-chunk wave completes, averaged over the
requests. The replay stops after the first wave that runs out of memory, and then reports the
phase latency so far as TTFT. Throughput is input tokens over the phase latency.
"""

from __future__ import annotations

from simulator.chunked import Chunk, chunk_plan
from simulator.deployment import Deployment
from simulator.numbers import SCALAR, Numbers
from simulator.phases.forwards import ForwardCost, Forwards, ForwardShape
from simulator.phases.waves import INF, NAN
from simulator.results import Evaluation, StopReason


class ChunkedPrefillPhase:
    def __init__(self, dep: Deployment, forwards: Forwards) -> None:
        self.dep = dep
        self.forwards = forwards
        self.chunks = chunk_plan(dep.prefill_length, dep.effective_max_batched_tokens)
        budget = dep.effective_max_batched_tokens * dep.dp
        self.sizes = [max(budget // chunk.query_len, 1) for chunk in self.chunks]
        full = [
            self._shape(size, chunk) for size, chunk in zip(self.sizes, self.chunks, strict=True)
        ]
        self.full = forwards.costs(SCALAR, full)

    @property
    def applies(self) -> bool:
        """Whether prompts are longer than the token budget, so prefill runs in chunks."""
        return len(self.chunks) > 1

    def _shape(self, wave, chunk: Chunk) -> tuple:
        return -(-wave // self.dep.dp), chunk.query_len, chunk.seq_len

    def shapes(self, batch_size: int) -> list[ForwardShape]:
        """The distinct wave shapes in order, up to the first out of memory; msmodeling keeps
        them all in its latency table for the strategy's search."""
        concurrency = batch_size * self.dep.dp
        seen: dict[ForwardShape, None] = {}
        for size, chunk, full in zip(self.sizes, self.chunks, self.full, strict=True):
            waves = [(size, full)] if concurrency >= size else []
            if concurrency % size:
                remainder = concurrency % size
                (cost,) = self.forwards.costs(SCALAR, [self._shape(remainder, chunk)])
                waves.append((remainder, cost))
            for wave, cost in waves:
                seen.setdefault(ForwardShape(False, wave, chunk.query_len, chunk.seq_len))
                if cost.left_bytes < 0:
                    return list(seen)
        return list(seen)

    def infeasible_above(self) -> int | None:
        """Under a TTFT limit: every request's final chunk waits for all earlier chunks' full
        waves, ``floor(C / size)`` each, so TTFT > cost + sum(full x (C / size - 1)); past the
        concurrency where that exceeds the limit no batch meets it."""
        limit = self.dep.ttft_limit_ms
        earlier = list(zip(self.sizes, self.full, strict=True))[:-1]
        per_request = sum(full.latency_ms / size for size, full in earlier)
        if limit is None or not per_request > 0:
            return None
        slack = limit - self.dep.serving_cost_ms + sum(full.latency_ms for _, full in earlier)
        concurrency = int(max(slack, 0.0) / per_request) + 1
        return -(-concurrency // self.dep.dp) + 1

    def evaluate(self, batch_size, num: Numbers) -> Evaluation:
        dep = self.dep
        concurrency = batch_size * dep.dp
        remainders = self.forwards.costs(
            num,
            [
                self._shape(num.maximum(concurrency % size, 1), chunk)
                for size, chunk in zip(self.sizes, self.chunks, strict=True)
            ],
        )
        replay = _Replay(num, concurrency, dep.serving_cost_ms)
        last = len(self.chunks) - 1
        for index, (size, full, remainder) in enumerate(
            zip(self.sizes, self.full, remainders, strict=True)
        ):
            replay.chunk(size, full, remainder, final=index == last)
        oom = replay.stopped
        elapsed = replay.elapsed
        first = self.full[0]
        return Evaluation(
            batch_size,
            concurrency,
            ttft_ms=num.where(oom, elapsed, replay.first_token_sum / concurrency),
            tpot_ms=num.full(batch_size, NAN),
            decode_ms=num.full(batch_size, NAN),
            prefill_wave_ms=num.where(concurrency >= self.sizes[0], first.latency_ms, NAN),
            tokens_per_s=concurrency * dep.input_length / elapsed * 1000.0,
            kv_bytes=replay.kv_bytes,
            activation_bytes=replay.activation_bytes,
            left_bytes=replay.left_bytes,
            memory_checks=((StopReason.PREFILL_OOM, oom),),
        )


class _Replay:
    """The waves run so far, in numbers or arrays: the clock, the first tokens' times, the
    tightest memory, and whether a wave has run out of memory (nothing runs after it)."""

    def __init__(self, num: Numbers, concurrency, serving_cost_ms: float) -> None:
        self.num = num
        self.concurrency = concurrency
        self.elapsed = num.full(concurrency, serving_cost_ms)
        self.first_token_sum = num.full(concurrency, 0.0)
        self.stopped = num.full(concurrency, False)
        self.left_bytes = num.full(concurrency, INF)
        self.kv_bytes = num.full(concurrency, 0)
        self.activation_bytes = num.full(concurrency, 0)

    def chunk(self, size: int, full: ForwardCost, remainder: ForwardCost, final: bool) -> None:
        """One chunk's waves: ``C // size`` full ones back to back, then the remainder."""
        num, concurrency = self.num, self.concurrency
        waves, rest = concurrency // size, concurrency % size
        running = num.negate(self.stopped)
        full_runs = num.both(running, waves > 0)
        full_oom = num.both(full_runs, full.left_bytes < 0)
        rest_runs = num.both(num.both(running, rest > 0), num.negate(full_oom))
        self._tighten(full_runs, full)
        self._tighten(rest_runs, remainder)
        start = self.elapsed
        rest_ms = num.where(rest > 0, remainder.latency_ms, 0.0)
        phase = waves * full.latency_ms + rest_ms
        self.elapsed = num.where(
            running, start + num.where(full_oom, full.latency_ms, phase), self.elapsed
        )
        rest_oom = num.both(rest_runs, remainder.left_bytes < 0)
        self.stopped = num.either(self.stopped, num.either(full_oom, rest_oom))
        if final:
            full_sum = size * (waves * start + full.latency_ms * waves * (waves + 1) / 2)
            self.first_token_sum = full_sum + rest * (start + waves * full.latency_ms + rest_ms)

    def _tighten(self, runs, cost: ForwardCost) -> None:
        num = self.num
        tighter = num.both(runs, cost.left_bytes < self.left_bytes)
        self.left_bytes = num.where(tighter, cost.left_bytes, self.left_bytes)
        self.kv_bytes = num.where(tighter, cost.kv_bytes, self.kv_bytes)
        self.activation_bytes = num.where(tighter, cost.activation_bytes, self.activation_bytes)
