"""One row per strategy and search: every output format (table, JSON, CSV, Markdown) reads these,
and every number in them is computed here once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from harness.optimizer import StrategyOutcome, best_outcome
from harness.searches import get_search
from harness.seconds import CALIBRATION, TimeSettings

if TYPE_CHECKING:
    from harness.scenarios import ScenarioRun


@dataclass(frozen=True)
class ResultRow:
    strategy: str
    """The strategy key (``TP=2,EP=4``), the same in every output."""
    label: str
    """msmodeling's label of the layout (``TP=2 | PP=1 | DP=4 | EP=4 | MoE-TP=2 | MoE-DP=1``)."""
    tp: int
    dp: int
    ep: int
    moe_dp: int
    mtp: int
    phase: str
    search: str
    batch_size: int | None
    concurrency: int | None
    ttft_ms: float | None
    tpot_ms: float | None
    tokens_per_s: float | None
    tokens_per_s_per_device: float | None
    probes: int
    probe_sequence: tuple[int, ...]
    early_stop: str | None
    max_batched_tokens: int
    chosen_batch_size: int | None
    repeats: int
    """How many times msmodeling runs this search here (a dense layout, once per EP size)."""
    projected_msmodeling_s: float | None
    """What msmodeling would spend on this search here: its task (model build, and every
    probe's forwards as its caches and compiles price them), times ``repeats``; None for the
    oracle, which msmodeling never runs."""
    probe_seconds: tuple[float, ...]
    """Each probe's share, in ``probe_sequence`` order (one run of the task)."""
    scenario: str | None = None
    oracle_batch_size: int | None = None
    tolerance: float | None = None
    """The scenario's answer tolerance, so two reports can be compared without the files."""
    exact: bool = False
    """The search claims the oracle's answer: compare allows its answer no change at all."""
    feasible: bool | None = None
    """Whether the simulator, probed again at the answer, finds it feasible (None: no answer)."""
    failure: str | None = None
    """Why the search failed to run here (it raised, returned nonsense or ran away)."""

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["probe_sequence"] = list(self.probe_sequence)
        out["probe_seconds"] = list(self.probe_seconds)
        return out


INTEGER_COLUMNS = (
    "tp",
    "dp",
    "ep",
    "moe_dp",
    "mtp",
    "batch_size",
    "concurrency",
    "probes",
    "max_batched_tokens",
    "chosen_batch_size",
    "repeats",
    "oracle_batch_size",
)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def outcome_row(
    outcome: StrategyOutcome,
    time: TimeSettings = CALIBRATION,
    scenario: str | None = None,
    oracle_batch_size: int | None = None,
    tolerance: float | None = None,
) -> ResultRow:
    result, metrics, layout = outcome.result, outcome.metrics, outcome.parallel
    chosen = result.chosen
    return ResultRow(
        strategy=outcome.key,
        label=outcome.label,
        tp=layout.tp,
        dp=layout.dp,
        ep=layout.ep,
        moe_dp=layout.moe_dp,
        mtp=outcome.strategy.num_mtp_tokens,
        phase=outcome.phase,
        search=result.search,
        batch_size=result.batch_size,
        concurrency=metrics.concurrency,
        ttft_ms=_round(metrics.ttft_ms),
        tpot_ms=_round(metrics.tpot_ms),
        tokens_per_s=_round(metrics.tokens_per_s),
        tokens_per_s_per_device=_round(metrics.tokens_per_s_per_device),
        probes=result.probes,
        probe_sequence=result.sequence,
        early_stop=None if result.early_stop is None else str(result.early_stop),
        max_batched_tokens=outcome.max_batched_tokens,
        chosen_batch_size=chosen.batch_size if chosen else None,
        repeats=outcome.strategy.repeats,
        projected_msmodeling_s=_projected(outcome, time),
        probe_seconds=tuple(round(s * time.scale, 3) for s in result.probe_seconds),
        scenario=scenario,
        oracle_batch_size=oracle_batch_size,
        tolerance=tolerance,
        exact=get_search(result.search).exact,
        feasible=metrics.feasible,
        failure=result.failure,
    )


def _projected(outcome: StrategyOutcome, time: TimeSettings) -> float | None:
    seconds = outcome.result.seconds
    return None if seconds is None else round(seconds * outcome.strategy.repeats * time.scale, 2)


def outcome_rows(
    outcomes: Sequence[StrategyOutcome], time: TimeSettings = CALIBRATION
) -> list[ResultRow]:
    return [outcome_row(o, time) for o in outcomes]


def scenario_rows(run: ScenarioRun, time: TimeSettings = CALIBRATION) -> list[ResultRow]:
    """A scenario's compared searches, each row with the oracle's answer beside it."""
    plan = run.scenario.searches
    return [
        outcome_row(
            outcome,
            time,
            scenario=run.scenario.id,
            oracle_batch_size=run.result(outcome.key, plan.oracle.name).batch_size,
            tolerance=run.scenario.expect.tolerance,
        )
        for outcome in run.outcomes
        if outcome.result.search != plan.oracle.name
    ]


def best_rows(
    outcomes: Sequence[StrategyOutcome], reference: str, time: TimeSettings = CALIBRATION
) -> dict[str, ResultRow | None]:
    """Per phase, the reference search's best strategy by tokens/s per device."""
    out: dict[str, ResultRow | None] = {}
    for phase in dict.fromkeys(o.phase for o in outcomes):
        best = best_outcome(outcomes, reference, phase)
        out[phase] = outcome_row(best, time) if best else None
    return out
