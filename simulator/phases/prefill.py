"""Disaggregated prefill (serving model §1.5): the waves alone; TTFT is their mean finishing
time and throughput is input tokens over the phase."""

from __future__ import annotations

import math

from simulator.numbers import Numbers
from simulator.phases.forwards import ForwardShape
from simulator.phases.waves import NAN, Waves
from simulator.results import Evaluation, StopReason
from simulator.timing import wave_timing


class PrefillPhase:
    def __init__(self, waves: Waves) -> None:
        self.dep = waves.dep
        self.waves = waves

    def shapes(self, batch_size: int) -> list[ForwardShape]:
        """A concurrency that fits one wave is one forward msmodeling does not memoize; more
        run as memoized waves."""
        concurrency = batch_size * self.dep.dp
        return self.waves.shapes(concurrency, memoized=concurrency > self.waves.size)

    def infeasible_above(self) -> int | None:
        """Under a TTFT limit: with k full waves done, the mean TTFT is at least k/2 full-wave
        latencies (plus the serving cost), so past 2 x (limit - cost) / full wave's latency
        (one more wave for rounding) waves no batch meets the limit."""
        limit, full = self.dep.ttft_limit_ms, self.waves.full.latency_ms
        if limit is None or not full > 0:
            return None
        waves = math.floor(2 * max(limit - self.dep.serving_cost_ms, 0.0) / full) + 2
        return -(-waves * self.waves.size // self.dep.dp) - 1

    def evaluate(self, batch_size, num: Numbers) -> Evaluation:
        dep, waves = self.dep, self.waves
        full = waves.full
        concurrency = batch_size * dep.dp
        (remainder,) = waves.forwards.costs(num, [waves.remainder_shape(concurrency, num)])
        ttft, phase = wave_timing(concurrency, waves.size, full.latency_ms, remainder.latency_ms)
        cost = dep.serving_cost_ms
        memory = waves.memory(concurrency, remainder, num)
        oom = memory.left_bytes < 0
        # msmodeling replays the waves in order and stops after the first that runs out of
        # memory; with no complete TTFT average it reports the phase latency so far as TTFT
        # (disagg_throughput_optimizer, the OOM/partial replay branch), and throughput over it.
        # The serving cost starts the phase: every finishing time, and the phase, carry it.
        full_oom = num.both(concurrency >= waves.size, full.left_bytes < 0)
        elapsed = num.where(oom, num.where(full_oom, full.latency_ms, phase), phase) + cost
        nan = num.full(batch_size, NAN)
        return Evaluation(
            batch_size,
            concurrency,
            ttft_ms=num.where(oom, elapsed, ttft + cost),
            tpot_ms=nan,
            decode_ms=nan,
            prefill_wave_ms=memory.full_wave_ms,
            tokens_per_s=concurrency * dep.input_length / elapsed * 1000.0,
            kv_bytes=memory.kv_bytes,
            activation_bytes=memory.activation_bytes,
            left_bytes=memory.left_bytes,
            memory_checks=((StopReason.PREFILL_OOM, oom),),
        )
