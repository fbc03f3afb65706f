"""A calibration record against the simulator: every logged probe's latencies, memory and
verdict, each search's probe sequence and reported row, the boundary, and single forwards.
The result is a list of drifts, ours against msmodeling's, that a table shows worst first."""

from __future__ import annotations

import json
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness import door
from harness.calibration.record import Forward, Record, Run, Tolerance
from harness.probe import SimulatorTarget
from harness.searches import SearchContext, get_search, make_params, run_search

LATENCIES = ("ttft_ms", "tpot_ms", "tokens_per_s")
MEMORY = ("available_gib", "activation_gib")


@dataclass(frozen=True)
class Drift:
    """One compared value: where, what, ours, msmodeling's, and how far apart against how far
    they may be (``excess`` > 1 fails)."""

    where: str
    what: str
    ours: object
    theirs: object
    error: float
    allowed: float

    @property
    def excess(self) -> float:
        if self.allowed == 0:
            return 0.0 if self.error == 0 else math.inf
        return self.error / self.allowed

    @property
    def ok(self) -> bool:
        return self.excess <= 1.0


def check_record(record: Record) -> list[Drift]:
    """Every drift of the record, in record order."""
    out: list[Drift] = []
    with tempfile.TemporaryDirectory() as folder:
        for run in record.runs:
            out += _run_drifts(run, record.tolerance)
        for forward in record.forwards:
            out.append(_forward_drift(forward, record.tolerance, Path(folder)))
    return out


def _run_drifts(run: Run, tolerance: Tolerance) -> list[Drift]:
    deployment = door.deployment(**run.deployment)
    simulator = door.simulator(deployment)
    out = []
    for probe in run.probes:
        ours = simulator.probe(probe.batch)
        where = f"{run.name} batch {probe.batch}"
        out.append(_same(where, "feasible", ours.feasible, probe.feasible))
        if probe.reason is not None:
            out.append(_same(where, "reason", _text(ours.reason), probe.reason))
        for name, theirs in probe.values.items():
            out.append(_value(where, name, getattr(ours, name), theirs, tolerance))
    for search, sequence in run.sequences.items():
        result = _search(search, deployment, run.batch_range)
        out.append(_same(run.name, f"{search} probes", list(result.sequence), list(sequence)))
        if search in run.reported:
            chosen = result.chosen.batch_size if result.chosen else None
            out.append(_same(run.name, f"{search} reported", chosen, run.reported[search]))
    if run.boundary_known:
        out.append(_boundary(run, deployment, tolerance))
    return out


def _search(name: str, deployment, batch_range: tuple[int, int] | None = None):
    spec = get_search(name)
    context = SearchContext(deployment.tpot_limit_ms, deployment.ttft_limit_ms, batch_range)
    return run_search(spec, SimulatorTarget(deployment), make_params(spec), context)


def _boundary(run: Run, deployment, tolerance: Tolerance) -> Drift:
    """The largest feasible batch, as the exhaustive oracle finds it."""
    ours = _search("exhaustive", deployment, run.batch_range).batch_size
    theirs = run.boundary
    if ours is None or theirs is None:
        return _same(run.name, "boundary", ours, theirs)
    allowed = max(tolerance.boundary * theirs, 1.0) if tolerance.boundary else 0.0
    return Drift(run.name, "boundary", ours, theirs, float(abs(ours - theirs)), allowed)


def _forward_drift(forward: Forward, tolerance: Tolerance, folder: Path) -> Drift:
    fields = dict(forward.deployment)
    if forward.model_overrides:
        fields["model"] = _trimmed_model(str(fields["model"]), forward.model_overrides, folder)
    simulator = door.simulator(door.deployment(**fields))
    features = simulator.features(
        np.array([forward.rank_batch]), forward.query_len, forward.seq_len
    )
    ours = float(simulator.roofline.latency_s(features)[0] * 1e3)
    allowed = forward.tolerance if forward.tolerance is not None else tolerance.latency
    return Drift(forward.name, "forward ms", ours, forward.ms, _relative(ours, forward.ms), allowed)


def _trimmed_model(model: str, overrides: dict, folder: Path) -> str:
    """A copy of a bundled model's config.json with some fields changed (fewer layers)."""
    config = dict(door.model_config_json(model))
    config.update(overrides)
    name = "-".join(f"{k}{v}" for k, v in sorted(overrides.items()))
    path = folder / f"{model.replace('/', '_')}-{name}.json"
    path.write_text(json.dumps(config))
    return str(path)


def _value(where: str, name: str, ours, theirs, tolerance: Tolerance) -> Drift:
    if (
        theirs is None
        or ours is None
        or math.isinf(theirs)
        or (ours is not None and math.isinf(ours))
    ):
        return _same(where, name, ours, theirs)
    if name in LATENCIES:
        return Drift(where, name, ours, theirs, _relative(ours, theirs), tolerance.latency)
    if name == "weights_gib":
        return Drift(where, name, ours, theirs, _relative(ours, theirs), tolerance.weights)
    if name == "kv_cache_gib":
        return Drift(where, name, ours, theirs, _relative(ours, theirs), tolerance.kv)
    return Drift(where, name, ours, theirs, abs(ours - theirs), tolerance.memory_gib)


def _same(where: str, what: str, ours, theirs) -> Drift:
    return Drift(where, what, ours, theirs, 0.0 if ours == theirs else 1.0, 0.0)


def _relative(ours: float, theirs: float) -> float:
    return abs(ours - theirs) / abs(theirs) if theirs else abs(ours - theirs)


def _text(reason) -> str | None:
    return None if reason is None else str(reason)


def drift_table(record: Record, drifts: list[Drift], limit: int | None = 20) -> str:
    """The drifts, worst first: ours against msmodeling's, the error against its allowance."""
    from tabulate import tabulate

    ordered = sorted(drifts, key=lambda d: -d.excess)
    rows = [
        (
            d.where,
            d.what,
            _show(d.ours),
            _show(d.theirs),
            _error(d),
            _allowed(d),
            "ok" if d.ok else "FAIL",
        )
        for d in ordered[:limit]
    ]
    headers = ("where", "value", "ours", "msmodeling", "error", "allowed", "verdict")
    failed = sum(not d.ok for d in drifts)
    head = f"{record.id}: {failed} of {len(drifts)} values outside their tolerance"
    return head + "\n" + tabulate(rows, headers=headers, tablefmt="github")


def _show(value) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _error(drift: Drift) -> str:
    if drift.allowed == 0:
        return "same" if drift.error == 0 else "differs"
    return f"{drift.error:.3%}" if drift.what not in MEMORY else f"{drift.error:.3f} GiB"


def _allowed(drift: Drift) -> str:
    if drift.allowed == 0:
        return "equal"
    return f"{drift.allowed:.3%}" if drift.what not in MEMORY else f"{drift.allowed:.3f} GiB"
