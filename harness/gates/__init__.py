"""The gates a scenario run must pass: answers per strategy, probes, and the stored baseline.

Gates only judge. Each returns a ``Check``; the files a check would change (baselines,
``.obtained`` files) ride along as ``PendingWrite`` values for the session to ``flush``."""

from harness.gates.answers import answers_check
from harness.gates.check import Check, summarize
from harness.gates.probes import probes_check
from harness.gates.regression import regression_check, stored_results
from harness.gates.store import BaselineError, BaselineStore, PendingWrite, flush, write_atomic
from harness.scenarios import ScenarioRun


def all_checks(run: ScenarioRun, store: BaselineStore, update: bool = False) -> list[Check]:
    """Every gate of one scenario run, in item order."""
    return [
        *(answers_check(run, key) for key in run.keys),
        probes_check(run),
        regression_check(run, store, update),
    ]


__all__ = [
    "BaselineError",
    "BaselineStore",
    "Check",
    "PendingWrite",
    "all_checks",
    "answers_check",
    "flush",
    "probes_check",
    "regression_check",
    "stored_results",
    "summarize",
    "write_atomic",
]
