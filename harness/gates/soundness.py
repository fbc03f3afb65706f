"""What every gate checks before it compares numbers: the search ran to the end, and the
simulator, probed once more at its answer outside the search's count, finds the answer
feasible. A search that failed or answered an infeasible batch fails every gate it is in,
however close its number is to the baseline's."""

from __future__ import annotations

from harness.optimizer import StrategyOutcome
from harness.probe import StopReason
from harness.scenarios import ScenarioRun


def answer_problem(outcome: StrategyOutcome) -> str | None:
    """One line on what is wrong with this search's answer on this strategy, or None."""
    result, metrics = outcome.result, outcome.metrics
    name = result.search
    if result.failure is not None:
        return f"{name} failed on {outcome.key}: {result.failure}"
    if result.batch_size is None or metrics.feasible is not False:
        return None
    return f"{name}: infeasible answer: batch {result.batch_size}, {why_infeasible(outcome)}"


def why_infeasible(outcome: StrategyOutcome) -> str:
    metrics, strategy = outcome.metrics, outcome.strategy
    reason = metrics.reason
    if reason is StopReason.TPOT_LIMIT and metrics.tpot_ms is not None:
        return f"TPOT {metrics.tpot_ms:.3f} > {strategy.tpot_limit_ms:g}"
    if reason is StopReason.TTFT_LIMIT and metrics.ttft_ms is not None:
        return f"TTFT {metrics.ttft_ms:.3f} > {strategy.ttft_limit_ms:g}"
    if metrics.available_gib is not None and metrics.available_gib < 0:
        return f"{reason}: {-metrics.available_gib:.3f} GiB more than the device holds"
    return f"{reason}"


def problems(run: ScenarioRun, key: str, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(search, problem) for each of these searches whose answer on one strategy is unsound."""
    found = ((name, answer_problem(run.outcome(key, name))) for name in names)
    return [(name, problem) for name, problem in found if problem is not None]
