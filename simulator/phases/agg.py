"""Agg serving with full prefill (serving model §1.4 b): all prefill waves run first, TTFT is
their mean finishing time, and TPOT = decode step + TTFT / output length."""

from __future__ import annotations

from simulator.numbers import SCALAR, Numbers
from simulator.phases.decode import DecodeStep
from simulator.phases.forwards import ForwardShape
from simulator.phases.waves import INF, NAN, Waves
from simulator.results import Evaluation, StopReason
from simulator.timing import agg_timing, wave_timing

KEPT_BATCHES = 4096
"""Probed batch sizes whose prefill verdict a phase keeps (a search probes a few dozen)."""


class AggPhase:
    def __init__(self, waves: Waves, decode: DecodeStep) -> None:
        self.dep = waves.dep
        self.waves = waves
        self.decode = decode
        self._prefill_oom: dict[int, bool] = {}
        """Batch sizes probed, and whether their prefill ran out of memory: a probe's shapes
        are asked for right after it (the seconds it costs msmodeling)."""

    def shapes(self, batch_size: int) -> list[ForwardShape]:
        """msmodeling's forwards for one probe: the prefill waves, then the decode step unless a
        prefill wave ran out of memory; all memoized for the strategy's search."""
        concurrency = batch_size * self.dep.dp
        waves = self.waves.shapes(concurrency)
        runs_out = self._prefill_oom.get(batch_size)
        if runs_out is None:
            runs_out = self._prefill_runs_out(concurrency)
        if runs_out:
            return waves
        step = self.decode
        return [*waves, ForwardShape(True, concurrency, step.query, step.seq)]

    def _prefill_runs_out(self, concurrency: int) -> bool:
        """Whether a prefill wave runs out of memory at this concurrency."""
        remainder = self.waves.forwards.costs(
            SCALAR, [self.waves.remainder_shape(concurrency, SCALAR)]
        )
        return self.waves.memory(concurrency, remainder[0], SCALAR).left_bytes < 0

    def evaluate(self, batch_size, num: Numbers) -> Evaluation:
        dep, waves = self.dep, self.waves
        concurrency = batch_size * dep.dp
        remainder, decode = waves.forwards.costs(
            num, [waves.remainder_shape(concurrency, num), self.decode.shape(batch_size)]
        )
        decode = self.decode.folded(decode)
        ttft, _ = wave_timing(concurrency, waves.size, waves.full.latency_ms, remainder.latency_ms)
        prefill = waves.memory(concurrency, remainder, num)
        prefill_oom = prefill.left_bytes < 0
        if num is SCALAR:
            if len(self._prefill_oom) >= KEPT_BATCHES:
                self._prefill_oom.clear()
            self._prefill_oom[batch_size] = prefill_oom
        tpot, tokens = agg_timing(concurrency, dep.output_length, ttft, decode.latency_ms)
        decode_binds = num.both(decode.left_bytes <= prefill.left_bytes, num.negate(prefill_oom))
        left = num.where(decode_binds, decode.left_bytes, prefill.left_bytes)
        return Evaluation(
            batch_size,
            concurrency,
            ttft_ms=num.where(prefill_oom, INF, ttft),
            tpot_ms=num.where(prefill_oom, INF, tpot),
            decode_ms=num.where(prefill_oom, NAN, decode.latency_ms),
            prefill_wave_ms=prefill.full_wave_ms,
            tokens_per_s=num.where(prefill_oom, 0.0, tokens),
            kv_bytes=num.where(decode_binds, decode.kv_bytes, prefill.kv_bytes),
            activation_bytes=num.where(
                decode_binds, decode.activation_bytes, prefill.activation_bytes
            ),
            left_bytes=left,
            memory_checks=(
                (StopReason.PREFILL_OOM, prefill_oom),
                (StopReason.DECODE_OOM, left < 0),
            ),
        )
