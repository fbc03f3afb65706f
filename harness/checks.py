"""The expectations a scenario states, checked against one run of its searches.

Each check is a plain value: the pytest items, ``searchbench run`` and the JSON output all read
the same ``Check`` objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tabulate import tabulate

from harness import baselines
from harness.optimizer import StrategyOutcome, optimize
from harness.paths import display_path
from harness.scenario import Scenario
from harness.searches import SearchResult


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    summary: str
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[object, ...], ...] = ()
    notes: tuple[str, ...] = ()

    def render(self) -> str:
        parts = [self.summary]
        if self.rows:
            parts.append(tabulate(self.rows, headers=self.headers, tablefmt="simple"))
        parts += list(self.notes)
        return "\n".join(parts)


@dataclass(frozen=True)
class ScenarioRun:
    """Every search of a scenario on every parallel strategy and phase, run once."""

    scenario: Scenario
    outcomes: tuple[StrategyOutcome, ...]
    keys: tuple[str, ...] = field(default=())

    def result(self, key: str, search: str) -> SearchResult:
        return self._index[key, search].result

    def outcome(self, key: str, search: str) -> StrategyOutcome:
        return self._index[key, search]

    @property
    def _index(self) -> dict[tuple[str, str], StrategyOutcome]:
        return {(o.key, o.result.search): o for o in self.outcomes}


def run_scenario(scenario: Scenario) -> ScenarioRun:
    outcomes = tuple(optimize(scenario.request()))
    return ScenarioRun(scenario, outcomes, tuple(dict.fromkeys(o.key for o in outcomes)))


def _within(candidate: int | None, baseline: int | None, tolerance: float) -> bool:
    if candidate is None or baseline is None:
        return candidate == baseline
    return abs(candidate - baseline) <= tolerance * baseline


def answers_check(run: ScenarioRun, key: str) -> Check:
    scenario = run.scenario
    plan, tolerance = scenario.searches, scenario.expect.tolerance
    base = run.result(key, plan.baseline.name)
    oracle = run.result(key, plan.oracle.name)
    rows, failures, notes = [], [], []
    monotone = bool(oracle.details.get("monotone"))
    if monotone:
        ok = base.batch_size == oracle.batch_size
        rows.append(
            (
                plan.baseline.name,
                f"oracle {_show(oracle.batch_size)}",
                _show(base.batch_size),
                "ok" if ok else "FAIL",
            )
        )
        if not ok:
            failures.append(f"{plan.baseline.name} differs from the oracle")
    else:
        notes.append(
            f"feasibility is not monotone here (largest feasible {_show(oracle.batch_size)}, first "
            f"infeasible - 1 = {oracle.details.get('first_infeasible_minus_one')}): "
            "the baseline is not compared with the oracle"
        )
    base_chosen = base.chosen
    for run_spec in plan.candidates:
        cand = run.result(key, run_spec.name)
        ok = _within(cand.batch_size, base.batch_size, tolerance)
        rows.append(
            (
                run_spec.name,
                f"{_show(base.batch_size)} ±{tolerance:.0%}",
                _show(cand.batch_size),
                "ok" if ok else "FAIL",
            )
        )
        if not ok:
            failures.append(f"{run_spec.name} is outside the tolerance")
        chosen = cand.chosen
        if base_chosen and chosen:
            floor = base_chosen.tokens_per_s * (1 - tolerance)
            ok = chosen.tokens_per_s >= floor
            rows.append(
                (
                    f"{run_spec.name} chosen tok/s",
                    f">= {floor:.1f}",
                    f"{chosen.tokens_per_s:.1f} (batch {chosen.batch_size})",
                    "ok" if ok else "FAIL",
                )
            )
            if not ok:
                failures.append(f"{run_spec.name} reports a worse row than {plan.baseline.name}")
    if base.batch_size is None:
        notes.append(f"no feasible batch: batch 1 stops with {base.early_stop}")
    summary = f"{scenario.id} {key}: " + ("; ".join(failures) if failures else "answers agree")
    return Check(
        f"answers[{key}]",
        not failures,
        summary,
        ("search", "expected", "got", "verdict"),
        tuple(rows),
        tuple(notes),
    )


def probes_check(run: ScenarioRun) -> Check:
    scenario = run.scenario
    plan, expect = scenario.searches, scenario.expect
    rows, failures = [], []
    totals = dict.fromkeys([plan.baseline.name, *(c.name for c in plan.candidates)], 0)
    for key in run.keys:
        base = run.result(key, plan.baseline.name).probes
        totals[plan.baseline.name] += base
        for candidate in plan.candidates:
            probes = run.result(key, candidate.name).probes
            totals[candidate.name] += probes
            allowed = not expect.never_more_probes or key in expect.more_probes_allowed_at
            ok = probes <= base or allowed
            rows.append((key, candidate.name, f"<= {base}", probes, "ok" if ok else "FAIL"))
            if not ok:
                failures.append(
                    f"{candidate.name} spends more probes than {plan.baseline.name} at {key}"
                )
    base_total = totals[plan.baseline.name]
    for candidate in plan.candidates:
        ok = totals[candidate.name] < base_total or not expect.fewer_probes
        rows.append(
            (
                "total",
                candidate.name,
                f"< {base_total}",
                totals[candidate.name],
                "ok" if ok else "FAIL",
            )
        )
        if not ok:
            failures.append(f"{candidate.name} does not spend fewer probes in total")
    summary = f"{scenario.id}: " + ("; ".join(failures) if failures else "candidates save probes")
    return Check(
        "probes",
        not failures,
        summary,
        ("strategy", "search", "expected", "got", "verdict"),
        tuple(rows),
    )


def stored_results(run: ScenarioRun) -> baselines.Stored:
    """What is committed per scenario: answer and probes per strategy and search."""
    out: baselines.Stored = {}
    for outcome in run.outcomes:
        out.setdefault(outcome.key, {})[outcome.result.search] = {
            "batch_size": outcome.result.batch_size,
            "probes": outcome.result.probes,
        }
    return out


def regression_check(run: ScenarioRun, directory: Path, update: bool = False) -> Check:
    """Answers and probe counts equal the stored baseline; with ``update``, rewrite it first."""
    scenario = run.scenario
    path = baselines.baseline_path(directory, scenario.id)
    shown, source = display_path(path), display_path(scenario.path)
    current = stored_results(run)
    stored = baselines.load(path)
    diff = baselines.differences(stored, current)
    headers = ("strategy", "value", "stored", "now")
    regenerate = f"pytest {source} --update-baselines"
    if update:
        if stored is None:
            baselines.write_atomic(path, baselines.render(scenario.id, current))
            return Check("regression", True, f"{scenario.id}: baseline created: {shown}")
        if diff:
            baselines.write_atomic(path, baselines.render(scenario.id, current))
            return Check(
                "regression",
                True,
                f"{scenario.id}: baseline updated: {shown}",
                headers,
                tuple(diff),
            )
        return Check("regression", True, f"{scenario.id}: baseline unchanged")
    if stored is None:
        return Check(
            "regression",
            False,
            f"{scenario.id}: no stored baseline at {shown}; create it with\n    {regenerate}",
        )
    if diff:
        return Check(
            "regression",
            False,
            f"{scenario.id}: answers or probe counts differ from {shown}",
            headers,
            tuple(diff),
            (f"if the change is intended: {regenerate}",),
        )
    return Check("regression", True, f"{scenario.id}: matches {shown}")


def all_checks(run: ScenarioRun, directory: Path, update: bool = False) -> list[Check]:
    return [
        *(answers_check(run, key) for key in run.keys),
        probes_check(run),
        regression_check(run, directory, update),
    ]


def _show(value: int | None) -> str:
    return "none" if value is None else str(value)


def summarize(checks: Sequence[Check]) -> tuple[int, int]:
    passed = sum(c.passed for c in checks)
    return passed, len(checks) - passed
