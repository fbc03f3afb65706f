"""The gates a scenario run must pass: answers per strategy, probes, and the stored baseline.

Gates only judge. Each returns a ``Check``; the files a check would change (baselines,
``.obtained`` files) ride along as ``PendingWrite`` values for the session to ``flush``."""

from harness.gates.answers import answers_check
from harness.gates.check import Check, summarize
from harness.gates.probes import probes_check
from harness.gates.registry import GATES, Gate, GateContext, GateItem, gate_items, judge_all
from harness.gates.regression import regression_check, stored_results
from harness.gates.store import BaselineError, BaselineStore, PendingWrite, flush, write_atomic

__all__ = [
    "GATES",
    "BaselineError",
    "BaselineStore",
    "Check",
    "Gate",
    "GateContext",
    "GateItem",
    "PendingWrite",
    "answers_check",
    "flush",
    "gate_items",
    "judge_all",
    "probes_check",
    "regression_check",
    "stored_results",
    "summarize",
    "write_atomic",
]
