"""The pairing gate of a PD-ratio scenario: every candidate chooses the baseline search's PD
configuration (prefill layout, decode layout, instance counts, and the ratio as msmodeling
prints it, to 2 decimals), and spends fewer probes in each phase.

A candidate within tolerance on every strategy can still move the pairing: a prefill answer
1% short drops that layout's best row below another layout's, or a decode answer a few batches
short moves the ratio and with it how many instances a user buys. The answers gate cannot see
that; this one says which part of the pairing moved and why.
"""

from __future__ import annotations

from harness.door import Phase
from harness.gates.check import Check, verdict
from harness.optimizer.pd_ratio import Pairing, PdRow, pairing
from harness.scenarios import ScenarioRun

RATIO_DECIMALS = 2
"""msmodeling prints the ratio as ``PD Ratio: {:.2f}``
(serving_cast/service/optimizer_summary.py, ``_get_pd_ratio_final_out``)."""


def pairings(run: ScenarioRun) -> dict[str, Pairing]:
    """Every compared search's PD-ratio result on this run."""
    request = run.scenario.request
    return {name: pairing(request, run.outcomes, name) for name in run.scenario.searches.compared}


def phase_probes(run: ScenarioRun, search: str, phase: Phase) -> int:
    return sum(
        o.result.probes
        for o in run.outcomes
        if o.result.search == search and o.strategy.phase is phase
    )


def _shown(row: PdRow | None) -> str:
    if row is None:
        return "none"
    return f"{row.prefill.key} + {row.decode.key}, ratio {row.pd_ratio:.{RATIO_DECIMALS}f}"


def _why(base: Pairing, mine: Pairing, name: str, baseline: str) -> list[str]:
    """Each part of the pairing that moved, with the rows that moved it."""
    b, m = base.best, mine.best
    if b is None or m is None:
        return [f"{name} finds {'no' if m is None else 'a'} pairing where {baseline} finds "
                f"{'none' if b is None else _shown(b)}"]  # fmt: skip
    out = []
    for phase, ours, theirs in (("prefill", m.prefill, b.prefill), ("decode", m.decode, b.decode)):
        if ours.key != theirs.key:
            out.append(
                f"{name} pairs {phase} {ours.key} (batch {ours.batch_size}, "
                f"{ours.qps:.3f} req/s) where {baseline} pairs {theirs.key} (batch "
                f"{theirs.batch_size}, {theirs.qps:.3f} req/s): {name}'s {theirs.key} rows "
                f"stop short of that"
            )
    ratio_m, ratio_b = round(m.pd_ratio, RATIO_DECIMALS), round(b.pd_ratio, RATIO_DECIMALS)
    if ratio_m != ratio_b:
        out.append(
            f"{name}'s ratio is {m.pd_ratio:.{RATIO_DECIMALS}f}, {baseline}'s "
            f"{b.pd_ratio:.{RATIO_DECIMALS}f}: prefill {m.prefill.qps:.3f} against "
            f"{b.prefill.qps:.3f} req/s (batch {m.prefill.batch_size} against "
            f"{b.prefill.batch_size}), decode {m.decode.qps:.3f} against {b.decode.qps:.3f} "
            f"req/s (batch {m.decode.batch_size} against {b.decode.batch_size})"
        )
    if (mine.p_instances, mine.d_instances) != (base.p_instances, base.d_instances):
        out.append(
            f"{name} splits the devices into {mine.p_instances} prefill and {mine.d_instances} "
            f"decode instances, {baseline} into {base.p_instances} and {base.d_instances}"
        )
    return out


def pairing_check(run: ScenarioRun) -> Check:
    scenario = run.scenario
    plan = scenario.searches
    found = pairings(run)
    base = found[plan.baseline.name]
    rows: list[tuple[object, ...]] = []
    failures: list[str] = []
    rows.append(("pairing", plan.baseline.name, "", _shown(base.best), "baseline"))
    split = f"{base.p_instances}P + {base.d_instances}D"
    rows.append(("instances", plan.baseline.name, "", split, "baseline"))
    for candidate in plan.candidates:
        mine = found[candidate.name]
        why = _why(base, mine, candidate.name, plan.baseline.name)
        rows.append(("pairing", candidate.name, _shown(base.best), _shown(mine.best),
                     verdict(not why)))  # fmt: skip
        rows.append(("instances", candidate.name, split,
                     f"{mine.p_instances}P + {mine.d_instances}D", verdict(not why)))  # fmt: skip
        failures += why
        for phase in (Phase.PREFILL, Phase.DECODE):
            limit = phase_probes(run, plan.baseline.name, phase)
            probes = phase_probes(run, candidate.name, phase)
            ok = probes < limit or not scenario.expect.fewer_probes
            rows.append((f"probes, {phase.value}", candidate.name, f"< {limit}", probes,
                         verdict(ok)))  # fmt: skip
            if not ok:
                failures.append(
                    f"{candidate.name} does not spend fewer probes than {plan.baseline.name} "
                    f"in the {phase.value} phase ({probes} against {limit})"
                )
    ok_text = f"every candidate chooses {plan.baseline.name}'s pairing, {_shown(base.best)}"
    summary = f"{scenario.id}: " + ("; ".join(failures) if failures else ok_text)
    return Check(
        scenario.id,
        "pairing",
        not failures,
        summary,
        ("what", "search", "expected", "got", "verdict"),
        tuple(rows),
    )
