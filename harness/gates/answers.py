"""The answers gate, per strategy: every search ran and answered a feasible batch; the baseline
and every search that claims exactness equal the oracle where feasibility is monotone; each
heuristic candidate's batch is within the scenario's tolerance of the baseline's, its reported
row no worse."""

from __future__ import annotations

from harness.gates.check import Check, show, verdict
from harness.gates.soundness import problems
from harness.scenarios import ScenarioRun
from harness.scenarios.model import KnownMiss
from harness.searches import get_search


def within(candidate: int | None, baseline: int | None, tolerance: float) -> bool:
    if candidate is None or baseline is None:
        return candidate == baseline
    return abs(candidate - baseline) <= tolerance * baseline


def answers_check(run: ScenarioRun, key: str) -> Check:
    scenario = run.scenario
    plan, tolerance = scenario.searches, scenario.expect.tolerance
    base = run.result(key, plan.baseline.name)
    findings = run.result(key, plan.oracle.name)
    rows: list[tuple[object, ...]] = []
    failures: list[str] = []
    notes: list[str] = []
    if findings.oracle is not None and findings.oracle.monotone:
        ok = base.batch_size == findings.batch_size
        rows.append(
            (
                plan.baseline.name,
                f"oracle {show(findings.batch_size)}",
                show(base.batch_size),
                verdict(ok),
            )
        )
        if not ok:
            failures.append(f"{plan.baseline.name} differs from the oracle")
    elif findings.failure is None:
        boundary = findings.oracle.first_infeasible_minus_one if findings.oracle else "?"
        notes.append(
            f"feasibility is not monotone here (largest feasible {show(findings.batch_size)}, "
            f"first infeasible - 1 = {boundary}): the baseline is not compared with the oracle"
        )
    exact_to = findings.batch_size if findings.oracle and findings.oracle.monotone else None
    for candidate in plan.candidates:
        if get_search(candidate.name).exact and exact_to is not None:
            rows_, failures_ = _exact(run, key, candidate.name, exact_to)
        else:
            rows_, failures_ = _candidate(run, key, candidate.name, tolerance)
        miss = scenario.expect.known_miss(candidate.name, key)
        if miss is not None:
            rows_, failures_, note = _expected_miss(candidate.name, key, rows_, failures_, miss)
            notes.append(note)
        rows += rows_
        failures += failures_
    for search, reference in scenario.expect.same_probes_as:
        row, failure = _same_probes(run, key, search, reference)
        rows.append(row)
        failures += failure
    for name, problem in problems(run, key, tuple(s.name for s in plan.all)):
        rows.append((name, "ran, feasible answer", problem, "FAIL"))
        failures.append(problem)
    if base.batch_size is None and base.failure is None:
        notes.append(f"no feasible batch: batch 1 stops with {base.early_stop}")
    summary = f"{scenario.id} {key}: " + ("; ".join(failures) if failures else "answers agree")
    return Check(
        scenario.id,
        f"answers[{key}]",
        not failures,
        summary,
        ("search", "expected", "got", "verdict"),
        tuple(rows),
        tuple(notes),
    )


def _candidate(run: ScenarioRun, key: str, name: str, tolerance: float):
    plan = run.scenario.searches
    base = run.result(key, plan.baseline.name)
    cand = run.result(key, name)
    rows, failures = [], []
    ok = within(cand.batch_size, base.batch_size, tolerance)
    rows.append(
        (name, f"{show(base.batch_size)} ±{tolerance:.0%}", show(cand.batch_size), verdict(ok))
    )
    if not ok:
        failures.append(f"{name} is outside the tolerance")
    base_chosen, chosen = base.chosen, cand.chosen
    if base_chosen and chosen:
        floor = base_chosen.tokens_per_s * (1 - tolerance)
        ok = chosen.tokens_per_s >= floor
        rows.append(
            (
                f"{name} chosen tok/s",
                f">= {floor:.1f}",
                f"{chosen.tokens_per_s:.1f} (batch {chosen.batch_size})",
                verdict(ok),
            )
        )
        if not ok:
            failures.append(f"{name} reports a worse row than {plan.baseline.name}")
    return rows, failures


def _exact(run: ScenarioRun, key: str, name: str, oracle: int | None):
    """A search that claims exactness answers the oracle's batch, with no tolerance."""
    got = run.result(key, name).batch_size
    ok = got == oracle
    row = (name, f"oracle {show(oracle)} (exact)", show(got), verdict(ok))
    return [row], [] if ok else [f"{name} claims exactness but answers {show(got)}"]


def _same_probes(run: ScenarioRun, key: str, search: str, reference: str):
    """Strategy by strategy, ``search`` probes the very batches ``reference`` probes."""
    mine, theirs = run.result(key, search).sequence, run.result(key, reference).sequence
    if mine == theirs:
        return (f"{search} probes", f"= {reference}'s", f"{len(mine)} equal", "ok"), []
    at = next((i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b), None)
    at = min(len(mine), len(theirs)) if at is None else at
    got = f"differ at #{at + 1}: {list(mine[at : at + 3])} vs {list(theirs[at : at + 3])}"
    return (f"{search} probes", f"= {reference}'s", got, "FAIL"), [
        f"{search} does not probe as {reference} does"
    ]


def _expected_miss(name: str, key: str, rows, failures, miss: KnownMiss):
    """Strict xfail: a declared miss must still happen; once it stops, the gate says so."""
    if failures:
        rows = [(*row[:3], "known miss" if row[3] == "FAIL" else row[3]) for row in rows]
        return rows, [], f"{name} misses as declared: {miss.reason}"
    stopped = f"{name} no longer misses at {key}: remove it from expect.known_misses"
    return rows, [stopped], f"declared miss: {miss.reason}"
