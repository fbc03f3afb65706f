"""A whole msmodeling run's projected seconds per search, from its outcomes on every strategy."""

from __future__ import annotations

from collections.abc import Sequence

from harness.optimizer.outcome import StrategyOutcome
from harness.seconds import CALIBRATION, TimeSettings, whole_run_s


def projected_totals(
    outcomes: Sequence[StrategyOutcome], time: TimeSettings = CALIBRATION
) -> dict[str, float]:
    """Per search, a whole msmodeling run's seconds: its start-up, then every strategy's task
    (a dense layout once per EP size) over msmodeling's worker processes."""
    totals = {}
    for search in dict.fromkeys(o.result.search for o in outcomes):
        mine = [o for o in outcomes if o.result.search == search]
        startups = {o.startup_s for o in mine if o.startup_s is not None}
        if not startups:
            continue
        tasks = [o.result.seconds or 0.0 for o in mine for _ in range(o.strategy.repeats)]
        totals[search] = round(whole_run_s(max(startups), tasks, time), 2)
    return totals
