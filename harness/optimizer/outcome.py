"""One search's result on one strategy, with the metrics at its answer."""

from __future__ import annotations

from dataclasses import dataclass

from harness.door import ParallelConfig, StopReason
from harness.request import Strategy
from harness.searches import SearchResult


@dataclass(frozen=True)
class AnswerMetrics:
    """The simulator's numbers at a search's answer (all None when it has none), probed after
    the search and outside its count: whether the answer is feasible is the gates' to judge,
    never the search's to claim."""

    concurrency: int | None = None
    ttft_ms: float | None = None
    tpot_ms: float | None = None
    tokens_per_s: float | None = None
    tokens_per_s_per_device: float | None = None
    feasible: bool | None = None
    reason: StopReason | None = None
    """Why the answer is infeasible, in msmodeling's early-stop names."""
    available_gib: float | None = None
    """Memory left per rank at the answer; negative when it does not fit."""


@dataclass(frozen=True)
class StrategyOutcome:
    strategy: Strategy
    result: SearchResult
    max_batched_tokens: int
    metrics: AnswerMetrics
    startup_s: float | None = None
    """msmodeling's start-up for a run of this deployment's model (None where not priced)."""

    @property
    def key(self) -> str:
        return self.strategy.key

    @property
    def label(self) -> str:
        return self.strategy.label

    @property
    def phase(self) -> str:
        return self.strategy.phase.value

    @property
    def parallel(self) -> ParallelConfig:
        return self.strategy.parallel
