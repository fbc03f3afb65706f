"""Running one search on one target, contained: whatever the search does, the run goes on.

A search may raise anything (``SystemExit`` and ``RecursionError`` included), return the wrong
thing, probe batch sizes that are not batch sizes, or never stop. Each of these ends that search
on that strategy with a one-line ``failure``; only an interrupt (Ctrl-C) goes through. A probe
budget and a time limit stop a search that runs away; the time limit also holds for a search
that loops without probing, wherever a timer signal can be set (the main thread on POSIX).
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from harness.probe import ProbeRecorder, ProbeStop, ProbeTarget, StopReason, Tally
from harness.probe.recorder import LARGEST_BATCH
from harness.probe.witness import Witness
from harness.searches.base import Outcome, SearchContext, SearchResult
from harness.seconds import Meter

DEFAULT_SECONDS = 60.0
"""A search's time on one strategy; the bundled ones take milliseconds."""
DEFAULT_PROBES = 200
BUDGET_PER_BASELINE_PROBE = 10
"""A search may spend 10x the baseline's probes on a strategy (DEFAULT_PROBES without one)."""


@dataclass(frozen=True)
class SearchLimits:
    probes: int | None = DEFAULT_PROBES
    """None: no budget (the oracle sweeps thousands of sizes)."""
    seconds: float | None = DEFAULT_SECONDS

    @classmethod
    def after(cls, baseline_probes: int | None, seconds: float | None = DEFAULT_SECONDS):
        """Limits for a search run after the baseline spent ``baseline_probes`` here."""
        if baseline_probes is None:
            return cls(DEFAULT_PROBES, seconds)
        return cls(max(BUDGET_PER_BASELINE_PROBE * baseline_probes, 20), seconds)


def run_search(
    spec,
    target: ProbeTarget,
    params: object,
    context: SearchContext,
    limits: SearchLimits | None = None,
    meter: Meter | None = None,
) -> SearchResult:
    """Run one search through a recorder, returning its result or its one-line failure;
    ``meter`` prices its probes in msmodeling's seconds."""
    limits = limits or SearchLimits()
    budget = None if spec.is_oracle else limits.probes
    deadline = None
    if limits.seconds is not None:
        deadline = (time.monotonic() + limits.seconds, limits.seconds)
    tally = Tally()
    witness = Witness(target)
    recorder = ProbeRecorder(witness, budget, deadline, tally, meter)
    try:
        with _alarm(limits.seconds):
            outcome = spec.run(recorder, params, context)
        failure = _not_an_outcome(outcome)
    except KeyboardInterrupt:
        raise
    except ProbeStop as stop:
        outcome, failure = None, str(stop)
    except BaseException as error:  # a search's own failure is its result, not the run's
        outcome, failure = None, _one_line(error)
    if failure is None and tally.probes != witness.evaluations:
        failure = (
            f"altered its probe record: the simulator evaluated {witness.evaluations} sizes, "
            f"the record holds {tally.probes}"
        )
    if failure is not None:
        outcome = Outcome(None)
    return SearchResult(
        search=spec.name,
        batch_size=outcome.batch_size,
        probes=witness.evaluations,
        sequence=tally.sequence,
        trace=tuple(tally.trace),
        early_stop=outcome.early_stop,
        details=outcome.details,
        oracle=outcome.oracle,
        binary_search_from=recorder.binary_search_from if failure is None else None,
        failure=failure,
        seconds=None if meter is None else meter.spent_s,
        probe_seconds=() if meter is None else tuple(meter.probe_s),
    )


def _not_an_outcome(outcome: object) -> str | None:
    if not isinstance(outcome, Outcome):
        return f"returned {type(outcome).__name__} {repr(outcome)[:40]}, not an Outcome"
    batch = outcome.batch_size
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int)):
        return f"answered {type(batch).__name__} {repr(batch)[:40]}, not an int batch size"
    if batch is not None and not 1 <= batch <= LARGEST_BATCH:
        return f"answered batch {str(batch)[:40]}, not a batch size 1..{LARGEST_BATCH:,}"
    if outcome.early_stop is not None and not isinstance(outcome.early_stop, StopReason):
        return f"gave early_stop {outcome.early_stop!r}, not a StopReason"
    return None


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    kind = type(error).__name__
    return f"raised {kind}: {text[:200]}" if text else f"raised {kind}"


class _Timeout(ProbeStop):
    pass


@contextmanager
def _alarm(seconds: float | None):
    """Interrupt a search that outlives ``seconds``, even one that never probes."""
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise _Timeout(f"stopped at its time limit, {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
