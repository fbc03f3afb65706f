"""Chunked prefill in agg serving (serving model §1.4 c): msmodeling's step-by-step replay
(``simulator/chunked.py``), once per batch size; a sweep replays each of its batch sizes."""

from __future__ import annotations

from simulator.chunked import Chunk, Replay, chunk_plan, replay
from simulator.deployment import Deployment
from simulator.numbers import SCALAR, Numbers
from simulator.phases.decode import DecodeStep
from simulator.phases.forwards import ForwardCost, Forwards, ForwardShape
from simulator.results import Evaluation, StopReason


class ChunkedPhase:
    def __init__(self, dep: Deployment, forwards: Forwards, step: DecodeStep) -> None:
        self.dep = dep
        self.forwards = forwards
        self.step = step
        self.chunks = chunk_plan(dep.prefill_length, dep.effective_max_batched_tokens)

    @property
    def applies(self) -> bool:
        """Whether prompts are longer than the token budget, so prefill runs in chunks."""
        return len(self.chunks) > 1

    def _forward(self, rank_batch: int, query: int, seq: int) -> ForwardCost:
        return self.forwards.costs(SCALAR, [(rank_batch, query, seq)])[0]

    def _replay(self, batch_size: int) -> Replay:
        dep, dp, step = self.dep, self.dep.dp, self.step
        return replay(
            batch_size * dp,
            dep.output_length,
            self.chunks,
            dep.effective_max_batched_tokens * dp,
            lambda p, chunk: self._forward(-(-p // dp), chunk.query_len, chunk.seq_len),
            lambda d: self._forward(-(-d // dp), step.query, step.seq),
        )

    def shapes(self, batch_size: int) -> list[ForwardShape]:
        """Every distinct shape of the schedule, in order, up to the first out of memory."""
        dep, dp, step = self.dep, self.dep.dp, self.step
        seen: dict[ForwardShape, None] = {}

        def prefill(p: int, chunk: Chunk) -> ForwardCost:
            seen.setdefault(ForwardShape(False, p, chunk.query_len, chunk.seq_len))
            return self._forward(-(-p // dp), chunk.query_len, chunk.seq_len)

        def decode(d: int) -> ForwardCost:
            seen.setdefault(ForwardShape(True, d, step.query, step.seq))
            return self._forward(-(-d // dp), step.query, step.seq)

        budget = dep.effective_max_batched_tokens * dp
        replay(batch_size * dp, dep.output_length, self.chunks, budget, prefill, decode)
        return list(seen)

    def evaluate(self, batch_size, num: Numbers) -> Evaluation:
        if num is SCALAR:
            return _evaluation(batch_size, batch_size * self.dep.dp, self._replay(batch_size))
        import numpy as np

        replays = [self._replay(int(b)) for b in batch_size]
        rows = [_evaluation(0, 0, r)[2:10] for r in replays]
        columns = [np.array(column, dtype=np.float64) for column in zip(*rows, strict=True)]
        prefill_oom = np.array([r.prefill_oom for r in replays], dtype=bool)
        decode_oom = np.array([r.decode_oom for r in replays], dtype=bool)
        return Evaluation(
            batch_size,
            batch_size * self.dep.dp,
            *columns,
            memory_checks=(
                (StopReason.PREFILL_OOM, prefill_oom),
                (StopReason.DECODE_OOM, decode_oom),
            ),
        )


def _evaluation(batch_size, concurrency, result: Replay) -> Evaluation:
    return Evaluation(
        batch_size,
        concurrency,
        ttft_ms=result.ttft_ms,
        tpot_ms=result.tpot_ms,
        decode_ms=result.last_decode_ms,
        prefill_wave_ms=result.last_prefill_ms,
        tokens_per_s=result.tokens_per_s,
        kv_bytes=result.left.kv_bytes,
        activation_bytes=result.left.activation_bytes,
        left_bytes=result.left.left_bytes,
        memory_checks=(
            (StopReason.PREFILL_OOM, result.prefill_oom),
            (StopReason.DECODE_OOM, result.decode_oom),
        ),
    )


__all__ = ["Chunk", "ChunkedPhase"]
