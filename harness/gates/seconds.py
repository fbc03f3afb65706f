"""The seconds gate: over a whole msmodeling run, candidates spend no more projected seconds
than the baseline (``expect.no_more_seconds``, on by default), or fewer
(``expect.fewer_seconds``). Saving probes is not saving time: a probe onto a new compiled shape
can cost a minute, a probe onto a memoized one nothing. The table shows probes and seconds per
strategy, so the probes that cost the time are there to see."""

from __future__ import annotations

from harness.gates.check import Check, verdict
from harness.gates.soundness import problems
from harness.optimizer import projected_totals
from harness.scenarios import ScenarioRun

SLACK = 0.01
"""How much more than the baseline counts as no more: the prices' resolution (a memo hit is a
few milliseconds), not a budget for real losses."""
HEADERS = ("strategy", "search", "probes", "msmodeling s", "baseline probes", "baseline s", "")


def seconds_check(run: ScenarioRun) -> Check:
    scenario = run.scenario
    plan, expect = scenario.searches, scenario.expect
    base = plan.baseline.name
    totals = projected_totals(run.outcomes)
    rows: list[tuple[object, ...]] = []
    failures: list[str] = []
    for key in run.keys:
        mine = run.result(key, base)
        for candidate in plan.candidates:
            theirs = run.result(key, candidate.name)
            rows.append(
                (key, candidate.name, theirs.probes, _s(theirs.seconds), mine.probes,
                 _s(mine.seconds), "")
            )  # fmt: skip
        failures += [problem for _, problem in problems(run, key, plan.compared)]
    for candidate in plan.candidates:
        spent, allowed = totals.get(candidate.name), totals.get(base)
        if spent is None or allowed is None:
            continue
        more = spent > allowed * (1 + SLACK) and expect.no_more_seconds
        not_fewer = expect.fewer_seconds and not spent < allowed
        bound = "<" if expect.fewer_seconds else "<="
        ok = not (more or not_fewer)
        rows.append(("whole run", candidate.name, "", spent, "", f"{bound} {allowed}", verdict(ok)))
        if not ok:
            failures.append(
                f"{candidate.name} projects {spent} msmodeling s against {base}'s {allowed}"
            )
    summary = f"{scenario.id}: " + ("; ".join(failures) if failures else "no seconds lost")
    return Check(scenario.id, "seconds", not failures, summary, HEADERS, tuple(rows))


def _s(seconds: float | None) -> object:
    return "none" if seconds is None else round(seconds, 2)
