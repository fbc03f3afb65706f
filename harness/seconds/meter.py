"""The meter of one search on one strategy: each probe priced as msmodeling would spend it,
given what the search probed before (msmodeling memoizes forwards per strategy's search, and
torch keeps what it compiled for the strategy's task)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from harness import door
from harness.seconds.prices import Prices, Workload, prices_for

if TYPE_CHECKING:
    Shapes = Callable[[int], Sequence[door.ForwardShape]]


class Meter:
    """Prices probes in the order they are made. ``quote`` asks without spending."""

    def __init__(
        self,
        deployment: door.Deployment,
        shapes_of: Shapes,
        builds: bool = True,
    ) -> None:
        """Seconds are the calibration machine's (``TimeSettings`` scales them for reports).
        ``builds``: this search starts the strategy's task (msmodeling builds its model);
        False for the automatic max_batched_tokens retries within the same task."""
        self._prices: Prices = prices_for(deployment)
        self._workload = Workload.of(deployment)
        self._shapes_of = shapes_of
        self._memo: set[door.ForwardShape] = set()
        self._compiled: dict[bool, set[tuple[int, int, int]]] = {True: set(), False: set()}
        self._saturated = self._prices.saturated_s(self._workload)
        self.startup_s = self._prices.startup_s
        """What the msmodeling process spends before its first strategy (once per run)."""
        self.spent_s = self._prices.build_s if builds else 0.0
        self.probe_s: list[float] = []

    def quote(self, batch_size: int) -> float:
        """What probing ``batch_size`` next would cost, in seconds."""
        return self._price(self._shapes_of(batch_size), commit=False)

    def charge(self, batch_size: int) -> float:
        """Price the probe just made and remember its shapes."""
        seconds = self._price(self._shapes_of(batch_size), commit=True)
        self.probe_s.append(seconds)
        self.spent_s += seconds
        return seconds

    def _price(self, shapes: Sequence[door.ForwardShape], commit: bool) -> float:
        """The shapes' seconds given what was charged before; ``commit`` remembers them. What
        this probe adds is kept apart until then, so a quote copies nothing."""
        memo: set[door.ForwardShape] = set()
        compiled: dict[bool, set[tuple[int, int, int]]] = {True: set(), False: set()}
        total = 0.0
        eager_only = not self._prices.compiling_shapes
        for shape in shapes:
            if not shape.memoized and eager_only:  # a chunk of a length distribution's prefill
                total += self._eager_s(shape.concurrency * shape.query_len)
                continue
            if shape.memoized and (shape in self._memo or shape in memo):
                total += self._prices.memo_hit_s
                continue
            total += self._forward_s(shape, self._compiled[shape.decode], compiled[shape.decode])
            if shape.memoized:
                memo.add(shape)
        if commit:
            self._memo |= memo
            for decode, added in compiled.items():
                self._compiled[decode] |= added
        return total

    def _forward_s(
        self,
        shape: door.ForwardShape,
        seen: set[tuple[int, int, int]],
        added: set[tuple[int, int, int]],
    ) -> float:
        prices, tokens = self._prices, shape.concurrency * shape.query_len
        eager = self._eager_s(tokens)
        if not prices.compiling_shapes:
            return eager
        key = (shape.concurrency, shape.query_len, shape.seq_len)
        if key in seen or key in added:
            return prices.repeat_eager_multiple * eager
        tokens_per_expert = tokens * self._workload.routed_share
        compiling = len(seen) + len(added) < prices.compiling_shapes or (
            tokens_per_expert < prices.recompile_below_tokens_per_expert
        )
        added.add(key)
        if compiling:
            return prices.compile_s + prices.compile_eager_multiple * eager
        return prices.new_eager_multiple * eager

    def _eager_s(self, tokens: int) -> float:
        """``Prices.eager_s`` of a forward of ``tokens`` tokens (most run every local expert)."""
        full_from, full_s = self._saturated
        return full_s if tokens >= full_from else self._prices.eager_s(self._workload, tokens)
