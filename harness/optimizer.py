"""The throughput optimizer: run searches over every parallel strategy of a deployment request.

Mirrors msmodeling's loop (serving model §1.3-1.5): enumerate TP (and EP for MoE), search the
largest batch per DP replica for each, retry automatic max_batched_tokens at 4x, 2x, 1x input
when batch 1 already runs out of prefill memory, and in disagg mode search the prefill phase
under the TTFT limit and the decode phase under the TPOT limit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from harness.errors import HarnessInputError
from harness.probe import SimulatorTarget
from harness.searches import SearchContext, SearchResult, get_search, make_params, run_search
from simulator import Deployment, Mode, ParallelConfig, enumerate_parallel, load_model
from simulator.deployment import AUTO_MAX_BATCHED_TOKENS_FACTORS

MSMODELING_SECONDS_PER_PROBE = 0.64


@dataclass(frozen=True)
class SearchRun:
    """A registered search and its parameters, as the user named them."""

    name: str
    params: dict[str, object] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class OptimizerRequest:
    model: str
    input_length: int
    output_length: int
    device: str = "TEST_DEVICE"
    num_devices: int = 1
    compile: bool = False
    quantize_linear_action: str = "W8A8_DYNAMIC"
    quantize_attention_action: str = "DISABLED"
    tpot_limit_ms: float | None = None
    ttft_limit_ms: float | None = None
    tp_sizes: tuple[int, ...] | None = ()
    ep_sizes: tuple[int, ...] | None = None
    batch_range: tuple[int, int] | None = None
    reserved_memory_gb: float = 10.0
    max_batched_tokens: int | None = None
    disagg: bool = False
    searches: tuple[SearchRun, ...] = (SearchRun("exponential"), SearchRun("two_point"))

    def __post_init__(self) -> None:
        if self.batch_range is not None:
            low, high = self.batch_range
            if low < 1 or low > high:
                raise HarnessInputError(
                    f"batch_range: need 1 <= min <= max, got min={low} max={high}"
                )
        if self.disagg and self.tpot_limit_ms is None and self.ttft_limit_ms is None:
            raise HarnessInputError(
                "disagg: needs a TTFT limit (prefill phase) and/or a TPOT limit (decode phase)"
            )
        if not self.searches:
            raise HarnessInputError("strategy: name at least one search")


@dataclass(frozen=True)
class Phase:
    mode: Mode
    tpot_limit_ms: float | None
    ttft_limit_ms: float | None

    @property
    def name(self) -> str:
        return {"agg": "agg", "disagg-prefill": "prefill", "disagg-decode": "decode"}[self.mode]


@dataclass(frozen=True)
class StrategyOutcome:
    """One search on one parallel strategy and phase, with metrics at its answer."""

    parallel: ParallelConfig
    label: str
    phase: str
    result: SearchResult
    max_batched_tokens: int
    metrics: dict[str, float | None]
    moe: bool = False

    @property
    def key(self) -> str:
        """Short, stable name of the strategy and phase, e.g. 'TP=8' or 'TP=2,EP=4,decode'."""
        return strategy_key(self.parallel.tp, self.parallel.ep, self.phase, self.moe)


def strategy_key(tp: int, ep: int, phase: str, moe: bool) -> str:
    key = f"TP={tp}" + (f",EP={ep}" if moe else "")
    return key if phase == "agg" else f"{key},{phase}"


def phases(request: OptimizerRequest) -> list[Phase]:
    if not request.disagg:
        return [Phase(Mode.AGG, request.tpot_limit_ms, request.ttft_limit_ms)]
    out = []
    if request.ttft_limit_ms is not None:
        out.append(Phase(Mode.DISAGG_PREFILL, None, request.ttft_limit_ms))
    if request.tpot_limit_ms is not None:
        out.append(Phase(Mode.DISAGG_DECODE, request.tpot_limit_ms, None))
    return out


def parallel_configs(request: OptimizerRequest) -> list[ParallelConfig]:
    model = load_model(request.model)
    return enumerate_parallel(model, request.num_devices, request.tp_sizes, request.ep_sizes)


def deployment_for(
    request: OptimizerRequest,
    parallel: ParallelConfig,
    phase: Phase,
    max_batched_tokens: int | None,
) -> Deployment:
    return Deployment.create(
        request.model,
        device=request.device,
        num_devices=request.num_devices,
        tp=parallel.tp,
        ep=parallel.ep if load_model(request.model).is_moe else None,
        input_length=request.input_length,
        output_length=request.output_length,
        quantize_linear_action=request.quantize_linear_action,
        quantize_attention_action=request.quantize_attention_action,
        compile=request.compile,
        reserved_memory_gb=request.reserved_memory_gb,
        max_batched_tokens=max_batched_tokens,
        mode=phase.mode,
        tpot_limit_ms=phase.tpot_limit_ms,
        ttft_limit_ms=phase.ttft_limit_ms,
    )


def search_strategy(
    request: OptimizerRequest, parallel: ParallelConfig, phase: Phase, run: SearchRun
) -> StrategyOutcome:
    """One search on one strategy, with msmodeling's automatic max_batched_tokens retries.

    A search that ends with no batch and a ``prefill_oom`` early stop is retried with the next,
    smaller budget, as msmodeling does. One that proves the weights alone overflow the device
    (``weights_oom``) is not: no budget can change that.
    """
    spec = get_search(run.name)
    params = make_params(spec, run.params)
    context = SearchContext(phase.tpot_limit_ms, phase.ttft_limit_ms, request.batch_range)
    budgets: Sequence[int | None]
    if request.max_batched_tokens is None:
        budgets = [f * request.input_length for f in AUTO_MAX_BATCHED_TOKENS_FACTORS]
    else:
        budgets = [request.max_batched_tokens]
    total: SearchResult | None = None
    for budget in budgets:
        deployment = deployment_for(request, parallel, phase, budget)
        target = SimulatorTarget(deployment)
        result = run_search(spec, target, params, context)
        total = result if total is None else _merge(total, result)
        if not (result.batch_size is None and result.early_stop == "prefill_oom"):
            break
    assert total is not None
    metrics = _metrics_at(target, total.batch_size)
    model = deployment.model
    return StrategyOutcome(
        parallel, parallel.label(model.is_moe), phase.name, total, budget, metrics, model.is_moe
    )


def _merge(first: SearchResult, retry: SearchResult) -> SearchResult:
    return replace(
        retry,
        probes=first.probes + retry.probes,
        sequence=first.sequence + retry.sequence,
        trace=first.trace + retry.trace,
    )


def _metrics_at(target: SimulatorTarget, batch_size: int | None) -> dict[str, float | None]:
    """Report the answer's metrics; this look-up is reporting, not search, so it is not counted."""
    if batch_size is None:
        return dict.fromkeys(
            ("concurrency", "ttft_ms", "tpot_ms", "tokens_per_s", "tokens_per_s_per_device")
        )
    row = target.simulator.probe(batch_size)
    return {
        "concurrency": row.concurrency,
        "ttft_ms": row.ttft_ms,
        "tpot_ms": row.tpot_ms,
        "tokens_per_s": row.tokens_per_s,
        "tokens_per_s_per_device": row.tokens_per_s_per_device,
    }


ProgressCallback = Callable[[int, int, str], None]


def optimize(
    request: OptimizerRequest, progress: ProgressCallback | None = None
) -> list[StrategyOutcome]:
    for run in request.searches:
        make_params(get_search(run.name), run.params)
    jobs = [
        (parallel, phase, run)
        for parallel in parallel_configs(request)
        for phase in phases(request)
        for run in request.searches
    ]
    outcomes = []
    for index, (parallel, phase, run) in enumerate(jobs, start=1):
        if progress:
            progress(index, len(jobs), f"{parallel.label(False)} {phase.name} {run.name}")
        outcomes.append(search_strategy(request, parallel, phase, run))
    return outcomes


def best_outcome(outcomes: Sequence[StrategyOutcome], search: str, phase: str):
    """The strategy with the most tokens/s per device among those with a feasible answer."""
    candidates = [
        o
        for o in outcomes
        if o.result.search == search and o.phase == phase and o.result.batch_size is not None
    ]
    return max(candidates, key=lambda o: o.metrics["tokens_per_s_per_device"], default=None)
