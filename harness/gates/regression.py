"""The regression gate: answers and probe counts equal the stored baseline. One flow updates it
(``--update-baselines``): create, rewrite on a change, or repair a file that cannot be read.

It only judges: the files it would change come back in the ``Check`` as pending writes."""

from __future__ import annotations

from harness.gates.check import Check
from harness.gates.store import BaselineError, BaselineStore, Stored, differences
from harness.request.lengths import inputs_digest
from harness.scenarios import ScenarioRun, display_path

DIFF_HEADERS = ("strategy", "value", "stored", "now")


def stored_results(run: ScenarioRun) -> Stored:
    """What is committed per scenario: answer and probes per strategy and search. The oracle's
    answer only: how many sizes it sweeps to prove it is its own affair, not a search's cost."""
    oracle = run.scenario.searches.oracle.name
    out: Stored = {}
    for outcome in run.outcomes:
        result = outcome.result
        values: dict[str, int | None] = {"batch_size": result.batch_size}
        if result.search != oracle:
            values["probes"] = result.probes
        out.setdefault(outcome.key, {})[result.search] = values
    return out


def regression_check(run: ScenarioRun, store: BaselineStore, update: bool = False) -> Check:
    """Compare the run with its stored baseline; under ``update``, replace what differs."""
    scenario = run.scenario
    sid = scenario.id
    shown = display_path(store.path(sid))
    regenerate = f"pytest {display_path(scenario.path)} --update-baselines"
    current, inputs = stored_results(run), inputs_digest(scenario.request.input_length)
    refusal = _failed_runs(run) if update else None
    if refusal is not None:
        return Check(sid, "regression", False, f"{sid}: baseline not updated: {refusal}")
    try:
        stored = store.load(sid)
    except BaselineError as error:
        if update:
            return Check(
                sid,
                "regression",
                True,
                f"{sid}: baseline repaired: {shown} ({error})",
                writes=store.baseline_writes(sid, current, inputs),
                updates_baseline=True,
            )
        return Check(sid, "regression", False, f"{error}\nrepair it with\n    {regenerate}")
    diff = differences(stored, current) + _inputs_differ(store, sid, stored, inputs)
    if update and (stored is None or diff):
        verb = "created" if stored is None else "updated"
        return Check(
            sid,
            "regression",
            True,
            f"{sid}: baseline {verb}: {shown}",
            DIFF_HEADERS,
            () if stored is None else tuple(diff),
            writes=store.baseline_writes(sid, current, inputs),
            updates_baseline=True,
        )
    if stored is None:
        return Check(
            sid,
            "regression",
            False,
            f"{sid}: no stored baseline at {shown}; create it with\n    {regenerate}",
        )
    if diff:
        obtained = display_path(store.obtained_path(sid))
        return Check(
            sid,
            "regression",
            False,
            f"{sid}: answers or probe counts differ from {shown}",
            DIFF_HEADERS,
            tuple(diff),
            (f"this run's results: {obtained}", f"if the change is intended: {regenerate}"),
            writes=store.obtained_writes(sid, current),
        )
    return Check(
        sid, "regression", True, f"{sid}: matches {shown}", writes=store.obtained_removal(sid)
    )


def _inputs_differ(store: BaselineStore, sid: str, stored, inputs: str | None) -> list:
    """A row when the baseline was made with another length distribution than the scenario's
    (its digest): its answers are not this scenario's."""
    if stored is None or store.inputs(sid) == inputs:
        return []
    return [("(deployment)", "input_length digest", str(store.inputs(sid)), str(inputs))]


def _failed_runs(run: ScenarioRun) -> str | None:
    """Why the run's results must not become the baseline: a search failed to run."""
    failed = [o.result for o in run.outcomes if o.result.failure is not None]
    if not failed:
        return None
    first = failed[0]
    return f"{len(failed)} search run(s) failed, first {first.search}: {first.failure}"
