"""The probes gate: candidates spend fewer probes than the baseline in total, and never more on
one strategy unless the scenario allows it there. A saving counts only from a search that ran
and answered a feasible batch: probes saved on a wrong answer are no saving."""

from __future__ import annotations

from harness.gates.check import Check, verdict
from harness.gates.soundness import problems
from harness.scenarios import ScenarioRun


def probes_check(run: ScenarioRun) -> Check:
    scenario = run.scenario
    plan, expect = scenario.searches, scenario.expect
    rows: list[tuple[object, ...]] = []
    failures: list[str] = []
    totals = dict.fromkeys(plan.compared, 0)
    for key in run.keys:
        base = run.result(key, plan.baseline.name).probes
        totals[plan.baseline.name] += base
        for candidate in plan.candidates:
            probes = run.result(key, candidate.name).probes
            totals[candidate.name] += probes
            allowed = not expect.never_more_probes or key in expect.more_probes_allowed_at
            ok = probes <= base or allowed
            rows.append((key, candidate.name, f"<= {base}", probes, verdict(ok)))
            if not ok:
                failures.append(
                    f"{candidate.name} spends more probes than {plan.baseline.name} at {key}"
                )
        for name, problem in problems(run, key, plan.compared):
            rows.append((key, name, "ran, feasible answer", problem, "FAIL"))
            failures.append(problem)
    base_total = totals[plan.baseline.name]
    for candidate in plan.candidates:
        ok = totals[candidate.name] < base_total or not expect.fewer_probes
        total = totals[candidate.name]
        rows.append(("total", candidate.name, f"< {base_total}", total, verdict(ok)))
        if not ok:
            failures.append(f"{candidate.name} does not spend fewer probes in total")
    summary = f"{scenario.id}: " + ("; ".join(failures) if failures else "candidates save probes")
    return Check(
        scenario.id,
        "probes",
        not failures,
        summary,
        ("strategy", "search", "expected", "got", "verdict"),
        tuple(rows),
    )
