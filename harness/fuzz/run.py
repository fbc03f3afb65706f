"""``fuzz``: draw deployments with hypothesis, run every search and the oracle on each, check the
properties, and collect every finding at its draw index. Deterministic for a seed and a count:
the draws do not depend on what the checks find, on the shard, or on the hypothesis profile a
test suite loaded.

A run stops at the first strict failure unless told to keep going (a shard of several always
keeps going, so that shards merge). Ctrl-C (or SIGTERM, see ``interruptible``) ends it with
what ran so far, as a report that says so. Shrinking happens afterwards (``shrink.py``), outside
hypothesis, so that a shard shrinks exactly as the serial run does.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings

from harness.door import Deployment
from harness.errors import SearchbenchError
from harness.fuzz.check import Findings, check
from harness.fuzz.deployments import deployments
from harness.fuzz.report import Found, FuzzReport, SearchStats, Stop, Worst, in_order, where
from harness.fuzz.settings import FuzzSettings
from harness.optimizer import StrategyOutcome, optimize
from harness.probe import SweptTarget
from harness.request import OptimizerRequest
from harness.scenarios.writer import deployment_mapping
from harness.searches import get_search

Progress = Callable[[int, int, int], None]
"""``progress(drawn, examples, checked)`` after every draw."""


class Interrupted(KeyboardInterrupt):
    """A signal that stops a fuzz as Ctrl-C does (a search's containment lets it through)."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


RECEIVED: list[str] = []
"""Stop signals received during the running fuzz (``gate.interruptible`` records them): one
that Python dropped, raised inside a gc callback, still stops the run at the next draw."""


class _Stopped(Exception):
    """Ends hypothesis' generation at the first strict failure (no shrink phase runs)."""


def evaluate(request: OptimizerRequest, settings: FuzzSettings):
    """Every search and the oracle on one drawn deployment, sharing one sweep per deployment."""
    targets: dict[Deployment, SweptTarget] = {}

    def target_for(deployment: Deployment) -> SweptTarget:
        if deployment not in targets:
            targets[deployment] = SweptTarget(deployment)
        return targets[deployment]

    outcomes = optimize(request, target_for=target_for)

    def fits(outcome: StrategyOutcome, batch: int) -> bool:
        deployment = request.deployment(outcome.strategy, outcome.max_batched_tokens)
        return target_for(deployment)(batch).feasible

    found = check(outcomes, settings.baseline, settings.oracle, fits, settings.tolerance)
    return outcomes, found


class _Run:
    """The mutable tally of one run; ``report()`` freezes it."""

    def __init__(self, settings: FuzzSettings) -> None:
        self.settings = settings
        self.drawn = self.checked = self.refused = 0
        self.stats = {name: SearchStats(exact=get_search(name).exact) for name in settings.searches}
        self.misses: list[Found] = []
        self.failures: list[Found] = []
        self.stop: Stop | None = None

    def take(self, index: int, request: OptimizerRequest) -> None:
        try:
            outcomes, found = evaluate(request, self.settings)
        except SearchbenchError:
            self.refused += 1
            return
        self.checked += 1
        self._record(index, request, outcomes, found)

    def _record(self, index: int, request, outcomes, found: Findings) -> None:
        oracle = self.settings.oracle
        truths = {o.key: o.result for o in outcomes if o.result.search == oracle}
        deployment = deployment_mapping(request)
        text = where(deployment)
        for position, outcome in enumerate(outcomes):
            name = outcome.result.search
            if name == oracle:
                continue
            truth = truths[outcome.key]
            monotone = bool(truth.oracle and truth.oracle.monotone)
            equal = outcome.result.batch_size == truth.batch_size
            worst = Worst(outcome.result.probes, index, position, f"{outcome.key}: {text}")
            self.stats[name] = self.stats[name].plus(outcome.result.probes, equal, monotone, worst)
        self.misses += [Found(index, deployment, m, request) for m in found.misses]
        self.failures += [Found(index, deployment, v, request) for v in found.violations]

    def report(self) -> FuzzReport:
        return FuzzReport(
            self.settings,
            drawn=self.drawn,
            checked=self.checked,
            refused=self.refused,
            stats=dict(self.stats),
            misses=in_order(self.misses),
            failures=in_order(self.failures),
            stop=self.stop,
        )


def fuzz(settings: FuzzSettings, progress: Progress | None = None) -> FuzzReport:
    """Check ``settings.examples`` drawn deployments (those of the shard); never raises for a
    finding, and returns what ran when interrupted (``report.stop``)."""
    for run in settings.runs:
        get_search(run.name)
    tally = _Run(settings)

    @seed(settings.seed)
    @settings_for(settings)
    @given(request=deployments(settings.runs))
    def check_one(request: OptimizerRequest) -> None:
        if tally.stop is not None:
            raise _Stopped  # hypothesis replays the example that stopped the run
        if RECEIVED:
            raise Interrupted(RECEIVED[-1])
        index = tally.drawn
        tally.drawn += 1
        if settings.in_shard(index):
            tally.take(index, request)
        if progress:
            progress(tally.drawn, settings.examples, tally.checked)
        if tally.failures and settings.stops_at_first_failure:
            tally.stop = Stop("first failure", tally.drawn)
            raise _Stopped

    try:
        check_one()
    except KeyboardInterrupt as interrupt:
        tally.stop = Stop("interrupted", tally.drawn, getattr(interrupt, "signal_name", None))
    except Exception:
        if tally.stop is None:
            raise
    return tally.report()


def settings_for(fuzz_settings: FuzzSettings):
    """Hypothesis settings from its defaults, never from the profile a test suite loaded, so
    that a seed draws the same deployments under pytest, in CI and on the command line."""
    return settings(
        settings.get_profile("default"),
        max_examples=fuzz_settings.examples,
        database=None,
        deadline=None,
        print_blob=False,
        derandomize=False,
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
