"""Prefill of a length distribution (``lengths.py``), in disagg prefill and in agg serving.

msmodeling's variable-input branch (disagg_throughput_optimizer.get_inference_info,
agg_throughput_optimizer._get_batched_full_prefill_metrics, base_throughput_optimizer.
_get_batched_forward_info): a DP replica's share of the concurrency, ceil(concurrency / DP), is
given to the bins and packed into chunks of the token budget; each chunk is one forward of
mixed-length requests, run in order, stopping after the first that runs out of memory. A
request's first token comes when its last piece's chunk ends; TTFT is their mean. Agg then
decodes at output / 2 + the mean prefill length (its get_effective_input_length).

A mixed forward costs the sum of its requests' features: the forward model is affine in them
(``forward/features.py``), and its KV is the requests' sequences in whole blocks, as
tensor_cast's generate_inputs_varlen allocates them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from simulator.deployment import Deployment
from simulator.lengths import Lengths, allocate
from simulator.numbers import SCALAR, Numbers
from simulator.phases.decode import DecodeStep
from simulator.phases.forwards import ForwardCost, Forwards, ForwardShape
from simulator.phases.waves import INF, NAN
from simulator.results import Evaluation, StopReason
from simulator.timing import agg_timing

if TYPE_CHECKING:
    from simulator.chunk_plan import ChunkPlan

KEPT_REPLAYS = 8
TOKENS, ROWS, KV_READ, FINISHED, LONGEST, MIXED = 1, 2, 4, 11, 12, 13
"""Columns of a plan row (``chunk_plan.COLUMNS``)."""


class Replay(NamedTuple):
    chunk_ms: tuple[float, ...]
    """Latency of each chunk that ran."""
    ttft_sum_ms: float
    """Sum over completed requests of their chunk's end (from the first chunk's start)."""
    completed: int
    requests: int
    tightest: ForwardCost
    """The chunk that leaves the least memory."""
    samples: list
    """The replica's requests: (representative, count) per bin (``lengths.allocate``)."""


class MixedPrefill:
    """The prefill chunks of a distribution, replayed per probe."""

    def __init__(self, dep: Deployment, forwards: Forwards, lengths: Lengths) -> None:
        self.dep = dep
        self.forwards = forwards
        self.lengths = lengths
        self._representatives = lengths.representatives(dep.prefix_cache_hit_rate)
        self._budget = dep.effective_max_batched_tokens
        from simulator.chunk_plan import ChunkPlan  # numpy, only where a distribution is

        self._plan_of = ChunkPlan.of_samples
        self._replays: dict[int, tuple[ChunkPlan, Replay]] = {}
        """The last probes' plans and replays: a probe's shapes are asked for right after it."""

    def rank_concurrency(self, batch_size: int) -> int:
        dp = self.dep.dp
        return -(-(batch_size * dp) // dp)

    def plan(self, batch_size: int) -> ChunkPlan:
        return self._planned(batch_size)[0]

    def costs(self, plan: ChunkPlan) -> ForwardCost:
        """Every chunk's latency and memory, as columns: one vectorized roofline pass over the
        plan's table."""
        table = plan.table
        latency = self.forwards.roofline.table_s(table) * 1e3
        kv, act, left = self.forwards.mixed_memory(
            table[:, KV_READ], table[:, TOKENS].astype(float), table[:, ROWS], table[:, MIXED]
        )
        return ForwardCost(latency, kv, act, left)

    def replay(self, batch_size: int) -> Replay:
        return self._planned(batch_size)[1]

    def _planned(self, batch_size: int) -> tuple[ChunkPlan, Replay]:
        kept = self._replays.get(batch_size)
        if kept is None:
            if len(self._replays) >= KEPT_REPLAYS:
                self._replays.clear()
            samples = allocate(self._representatives, self.rank_concurrency(batch_size))
            plan = self._plan_of(samples, self._budget)
            kept = self._replays[batch_size] = (plan, self._replay(plan, samples))
        return kept

    def _replay(self, plan: ChunkPlan, samples: list) -> Replay:
        """The chunks in order, up to and with the first out of memory; completed requests
        are those whose last part ran in a chunk that fitted. One vectorized roofline pass
        times them all; their memory is a few numbers each, in Python."""
        latency = (self.forwards.roofline.table_s(plan.table) * 1e3).tolist()
        memory = self.forwards.chunk_memory
        ttft_sum, end, done, chunk_ms, tightest = 0.0, 0.0, 0, [], None
        for row, ms in zip(plan.tuples, latency, strict=True):
            kv, act, left = memory(row[KV_READ], row[TOKENS], row[ROWS], row[MIXED])
            chunk_ms.append(ms)
            if tightest is None or left < tightest.left_bytes:
                tightest = ForwardCost(ms, kv, act, left)
            if left < 0:  # the first out of memory is the last that runs
                break
            end += ms
            ttft_sum += row[FINISHED] * end
            done += row[FINISHED]
        requests = sum(n for _, n in samples)
        return Replay(tuple(chunk_ms), ttft_sum, done, requests, tightest, samples)

    def shapes(self, batch_size: int) -> list[ForwardShape]:
        """One unmemoized forward per chunk (msmodeling runs each, keeping none), up to the
        first out of memory; keyed by its requests, total query and longest sequence."""
        plan, run = self._planned(batch_size)
        rows, new = plan.tuples[: len(run.chunk_ms)], tuple.__new__  # a shape per chunk, fast
        return [new(ForwardShape, (False, r[ROWS], r[TOKENS], r[LONGEST], False)) for r in rows]


class MixedPrefillPhase:
    """Disaggregated prefill of a distribution: the chunks alone, after the serving cost."""

    def __init__(self, mixed: MixedPrefill) -> None:
        self.dep = mixed.dep
        self.mixed = mixed

    def shapes(self, batch_size: int) -> list[ForwardShape]:
        return self.mixed.shapes(batch_size)

    def evaluate(self, batch_size, num: Numbers) -> Evaluation:
        return _each(batch_size, num, self._one)

    def _one(self, batch_size: int) -> Evaluation:
        dep, run = self.dep, self.mixed.replay(batch_size)
        concurrency = batch_size * dep.dp
        cost = dep.serving_cost_ms
        elapsed = cost + sum(run.chunk_ms)
        oom = run.tightest.left_bytes < 0
        # Every request's TTFT carries the serving cost; with an incomplete replay (out of
        # memory) msmodeling reports the phase latency so far.
        complete = run.completed == run.requests
        ttft = cost + run.ttft_sum_ms / run.requests if complete else elapsed
        tokens = sum(row.num_input_tokens * n for row, n in run.samples) * dep.dp
        return Evaluation(
            batch_size,
            concurrency,
            ttft_ms=ttft,
            tpot_ms=NAN,
            decode_ms=NAN,
            prefill_wave_ms=run.chunk_ms[0],
            tokens_per_s=tokens / elapsed * 1000.0,
            kv_bytes=run.tightest.kv_bytes,
            activation_bytes=run.tightest.activation_bytes,
            left_bytes=run.tightest.left_bytes,
            memory_checks=((StopReason.PREFILL_OOM, oom),),
        )


class MixedAggPhase:
    """Agg serving of a distribution: the chunks, then the decode step (TTFT amortised)."""

    def __init__(self, mixed: MixedPrefill, step: DecodeStep) -> None:
        self.dep = mixed.dep
        self.mixed = mixed
        self.step = step

    def shapes(self, batch_size: int) -> list[ForwardShape]:
        out = self.mixed.shapes(batch_size)
        if self.mixed.replay(batch_size).tightest.left_bytes < 0:
            return out
        step = self.step
        return [*out, ForwardShape(True, batch_size * self.dep.dp, step.query, step.seq)]

    def evaluate(self, batch_size, num: Numbers) -> Evaluation:
        return _each(batch_size, num, self._one)

    def _one(self, batch_size: int) -> Evaluation:
        dep, run = self.dep, self.mixed.replay(batch_size)
        concurrency = batch_size * dep.dp
        prefill = run.tightest
        checks_ok = (StopReason.DECODE_OOM, False)
        if prefill.left_bytes < 0:
            return Evaluation(
                batch_size, concurrency, INF, INF, NAN, run.chunk_ms[0], 0.0,
                prefill.kv_bytes, prefill.activation_bytes, prefill.left_bytes,
                ((StopReason.PREFILL_OOM, True), checks_ok),
            )  # fmt: skip
        (decode,) = self.mixed.forwards.costs(SCALAR, [self.step.shape(batch_size)])
        decode = self.step.folded(decode)
        ttft = run.ttft_sum_ms / run.requests
        tpot, tokens = agg_timing(concurrency, dep.output_length, ttft, decode.latency_ms)
        binds = decode if decode.left_bytes <= prefill.left_bytes else prefill
        return Evaluation(
            batch_size,
            concurrency,
            ttft_ms=ttft,
            tpot_ms=tpot,
            decode_ms=decode.latency_ms,
            prefill_wave_ms=run.chunk_ms[0],
            tokens_per_s=tokens,
            kv_bytes=binds.kv_bytes,
            activation_bytes=binds.activation_bytes,
            left_bytes=binds.left_bytes,
            memory_checks=(
                (StopReason.PREFILL_OOM, False),
                (StopReason.DECODE_OOM, binds.left_bytes < 0),
            ),
        )


def _each(batch_size, num: Numbers, one) -> Evaluation:
    """A probe's evaluation, or a sweep's: one replay per batch size, as columns."""
    if num is SCALAR:
        return one(batch_size)
    import numpy as np

    rows = [one(int(b)) for b in batch_size]
    columns = [
        np.array(column, dtype=np.float64) for column in zip(*(r[2:10] for r in rows), strict=True)
    ]
    concurrency = np.array([r.concurrency for r in rows], dtype=np.int64)
    checks = tuple(
        (reason, np.array([r.memory_checks[i][1] for r in rows], dtype=bool))
        for i, (reason, _) in enumerate(rows[0].memory_checks)
    )
    return Evaluation(batch_size, concurrency, *columns, memory_checks=checks)
