"""The throughput optimizer: run searches over every parallel strategy of a request.

Mirrors msmodeling's loop (serving model §1.3-1.5): enumerate the strategies, search the largest
batch per DP replica on each, and retry automatic max_batched_tokens at 4x, 2x, 1x input when
batch 1 already runs out of prefill memory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from harness.door import AUTO_MAX_BATCHED_TOKENS_FACTORS, Deployment
from harness.errors import HarnessInputError
from harness.optimizer.outcome import AnswerMetrics, StrategyOutcome
from harness.probe import ProbeTarget, SimulatorTarget, StopReason
from harness.request import OptimizerRequest, SearchRun, Strategy
from harness.searches import (
    SearchContext,
    SearchLimits,
    SearchResult,
    get_search,
    make_params,
    run_search,
)
from harness.seconds import Meter

ProgressCallback = Callable[[int, int, str], None]


TargetFactory = Callable[[Deployment], ProbeTarget]


def search_strategy(
    request: OptimizerRequest,
    strategy: Strategy,
    run: SearchRun,
    target_for: TargetFactory = SimulatorTarget,
    limits: SearchLimits | None = None,
) -> StrategyOutcome:
    """One search on one strategy, with msmodeling's automatic max_batched_tokens retries.

    A search that ends with no batch and a ``prefill_oom`` early stop is retried with the next,
    smaller budget, as msmodeling does. One that proves the weights alone overflow the device
    (``weights_oom``) is not: no budget can change that; nor is one that failed.
    """
    spec = get_search(run.name)
    params = make_params(spec, run.params)
    context = SearchContext(strategy.tpot_limit_ms, strategy.ttft_limit_ms, request.batch_range)
    budgets: Sequence[int | None]
    if request.max_batched_tokens is None:
        budgets = [f * request.prefill_length for f in AUTO_MAX_BATCHED_TOKENS_FACTORS]
    else:
        budgets = [request.max_batched_tokens]
    total: SearchResult | None = None
    for budget in budgets:
        deployment = request.deployment(strategy, budget)
        target = target_for(deployment)
        meter = None if spec.is_oracle else _meter(deployment, target, builds=total is None)
        result = run_search(spec, target, params, context, limits, meter)
        total = result if total is None else _merge(total, result)
        if result.failure or not (
            result.batch_size is None and result.early_stop is StopReason.PREFILL_OOM
        ):
            break
    assert total is not None
    metrics = _metrics_at(target, total.batch_size)
    startup = None if meter is None else meter.startup_s
    return StrategyOutcome(strategy, total, budget, metrics, startup)


def _meter(deployment: Deployment, target: ProbeTarget, builds: bool) -> Meter | None:
    """msmodeling's seconds for the search's probes, where the target can say which forwards
    each probe runs (the simulator's targets can)."""
    shapes_of = getattr(target, "forwards_of", None)
    return None if shapes_of is None else Meter(deployment, shapes_of, builds=builds)


def _merge(first: SearchResult, retry: SearchResult) -> SearchResult:
    seconds = None
    if first.seconds is not None and retry.seconds is not None:
        seconds = first.seconds + retry.seconds
    start = retry.binary_search_from
    return replace(
        retry,
        probes=first.probes + retry.probes,
        sequence=first.sequence + retry.sequence,
        trace=first.trace + retry.trace,
        # the retry's binary search, in the merged trace (msmodeling keeps the retry's rows only)
        binary_search_from=None if start is None else len(first.trace) + start,
        seconds=seconds,
        probe_seconds=first.probe_seconds + retry.probe_seconds,
    )


def _metrics_at(target: SimulatorTarget, batch_size: int | None) -> AnswerMetrics:
    """Report the answer's metrics; this look-up is reporting, not search, so it is not counted."""
    if batch_size is None:
        return AnswerMetrics()
    row = target.simulator.probe(batch_size)
    return AnswerMetrics(
        row.concurrency,
        row.ttft_ms,
        row.tpot_ms,
        row.tokens_per_s,
        row.tokens_per_s_per_device,
        row.feasible,
        row.reason,
        row.available_gib,
    )


def optimize(
    request: OptimizerRequest,
    progress: ProgressCallback | None = None,
    target_for: TargetFactory = SimulatorTarget,
    only: Sequence[str] | None = None,
) -> list[StrategyOutcome]:
    """Every search of the request on every strategy (or the strategies keyed ``only``),
    strategy-major as msmodeling loops, in the order the searches are listed. The reference
    search (``OptimizerRequest.reference``) runs first on each strategy: the others may spend
    10x its probes there (``SearchLimits``).

    ``target_for`` makes each deployment's probe target (a caching one lets several searches
    share one sweep)."""
    for run in request.searches:
        make_params(get_search(run.name), run.params)
    strategies = select(request.strategies(), only)
    runs = request.searches_in_run_order
    listed = [request.searches.index(run) for run in runs]
    jobs = [(strategy, run) for strategy in strategies for run in runs]
    places = [(s, listed[r]) for s in range(len(strategies)) for r in range(len(runs))]
    outcomes = []
    baseline_probes: dict[str, int] = {}
    for index, (strategy, run) in enumerate(jobs, start=1):
        if progress:
            progress(index, len(jobs), f"{strategy.key} {run.name}")
        limits = SearchLimits.after(baseline_probes.get(strategy.key))
        outcome = search_strategy(request, strategy, run, target_for, limits)
        if run is runs[0] and outcome.result.failure is None:
            baseline_probes[strategy.key] = outcome.result.probes
        outcomes.append(outcome)
    return [outcomes[i] for i in sorted(range(len(jobs)), key=places.__getitem__)]


def select(strategies: Sequence[Strategy], only: Sequence[str] | None) -> list[Strategy]:
    """The strategies keyed ``only``, in enumeration order (all of them for None)."""
    if only is None:
        return list(strategies)
    keys = [s.key for s in strategies]
    unknown = [key for key in only if key not in keys]
    if unknown:
        raise HarnessInputError(
            f"--strategy: {', '.join(unknown)} is not a strategy of this request "
            f"(allowed: {', '.join(keys)})"
        )
    return [s for s in strategies if s.key in only]


def best_outcome(
    outcomes: Sequence[StrategyOutcome], search: str, phase: str
) -> StrategyOutcome | None:
    """The strategy with the most tokens/s per device among those with a feasible answer."""
    candidates = [
        o
        for o in outcomes
        if o.result.search == search and o.phase == phase and o.result.batch_size is not None
    ]
    return max(candidates, key=lambda o: o.metrics.tokens_per_s_per_device or 0.0, default=None)
