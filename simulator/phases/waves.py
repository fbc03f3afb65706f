"""Full-prefill waves (serving model §1.4 b, §1.5): the concurrency is prefilled in waves of at
most the token budget's worth of requests, all starting at t=0; memory is the tighter of the
full wave and the remainder wave that run."""

from __future__ import annotations

from typing import NamedTuple

from simulator.deployment import Deployment
from simulator.numbers import SCALAR, Numbers
from simulator.phases.forwards import ForwardCost, Forwards, ForwardShape

INF = float("inf")
NAN = float("nan")


class WaveMemory(NamedTuple):
    left_bytes: object
    kv_bytes: object
    activation_bytes: object
    full_wave_ms: object
    """The full wave's latency where one runs, NaN where none does."""


class Waves:
    """The prefill waves of one deployment: their size, and the full wave's cost."""

    def __init__(self, dep: Deployment, forwards: Forwards) -> None:
        self.dep = dep
        self.forwards = forwards
        budget = dep.effective_max_batched_tokens
        self.length = min(dep.prefill_length, budget)
        self.size = max(budget * dep.dp // dep.prefill_length, 1)
        shape = (-(-self.size // dep.dp), self.length, self.length)
        self.full = forwards.costs(SCALAR, [shape])[0]

    def remainder_shape(self, concurrency, num: Numbers) -> tuple:
        """The remainder wave's shape per rank (a full wave's where there is no remainder)."""
        dep = self.dep
        rank_batch = -(-num.maximum(concurrency % self.size, 1) // dep.dp)
        return rank_batch, self.length, self.length

    def shapes(self, concurrency: int, memoized: bool = True) -> list[ForwardShape]:
        """The waves' forwards: the full wave where one runs, then the remainder wave; the
        replay stops after the first that runs out of memory."""
        out, length = [], self.length
        if concurrency >= self.size:
            out.append(ForwardShape(False, self.size, length, length, memoized))
            if self.full.left_bytes < 0:
                return out
        if concurrency % self.size:
            out.append(ForwardShape(False, concurrency % self.size, length, length, memoized))
        return out

    def memory(self, concurrency, remainder: ForwardCost, num: Numbers) -> WaveMemory:
        """Memory left over the waves that run, and the KV/activation of the tighter one."""
        full = self.full
        has_full = concurrency >= self.size
        full_left = num.where(has_full, full.left_bytes, INF)
        remainder_left = num.where(concurrency % self.size > 0, remainder.left_bytes, INF)
        full_binds = full_left <= remainder_left
        return WaveMemory(
            num.minimum(full_left, remainder_left),
            num.where(full_binds, full.kv_bytes, remainder.kv_bytes),
            num.where(full_binds, full.activation_bytes, remainder.activation_bytes),
            num.where(has_full, full.latency_ms, NAN),
        )
