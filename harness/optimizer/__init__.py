"""The optimizer: every search of a request on every parallel strategy, as msmodeling runs it."""

from harness.optimizer.outcome import AnswerMetrics, StrategyOutcome
from harness.optimizer.run import (
    ProgressCallback,
    best_outcome,
    optimize,
    search_strategy,
)
from harness.optimizer.seconds import projected_totals
from harness.request import OptimizerRequest, SearchRun

__all__ = [
    "AnswerMetrics",
    "OptimizerRequest",
    "ProgressCallback",
    "SearchRun",
    "StrategyOutcome",
    "best_outcome",
    "optimize",
    "projected_totals",
    "search_strategy",
]
