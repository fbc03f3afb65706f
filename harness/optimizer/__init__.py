"""The optimizer: every search of a request on every parallel strategy, as msmodeling runs it."""

from harness.optimizer.outcome import AnswerMetrics, StrategyOutcome
from harness.optimizer.run import (
    MSMODELING_SECONDS_PER_PROBE,
    ProgressCallback,
    best_outcome,
    optimize,
    search_strategy,
)
from harness.request import OptimizerRequest, SearchRun

__all__ = [
    "MSMODELING_SECONDS_PER_PROBE",
    "AnswerMetrics",
    "OptimizerRequest",
    "ProgressCallback",
    "SearchRun",
    "StrategyOutcome",
    "best_outcome",
    "optimize",
    "search_strategy",
]
