"""The time model against msmodeling's clock: timed runs as records, each projected again.

A seconds record (``tests/calibration/seconds/*.json``, written by ``bench/seconds_records.py``
from a timed msmodeling run) holds the command as searchbench's flags, msmodeling's ``--jobs``
and the machine's cores, the whole run's wall seconds and each probe's seconds per task. Its
projection runs the same command through ``searchbench optimize``'s own path (the flags, the
request, the optimizer and the meter), so the figure checked is the one users read:
``searchbench calibrate seconds`` prints the table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessInputError
from harness.request import OptimizerRequest
from harness.seconds import TimeSettings

FORMAT = "searchbench-seconds-record"
WHOLE_RUN_TOLERANCE = 0.25
"""Issue 23: projected whole-run seconds within 25% of msmodeling's measured ones."""
EXPENSIVE_PROBE_TOLERANCE = 0.35
"""Issue 23: the expensive probes (first compiled shapes, chunked batch 512) within 35%."""
CHUNKED_EXPENSIVE_BATCH = 512
"""Under chunked prefill, the batch-512 probe runs every distinct step shape (87-188 forwards)."""
_PHASES = {"agg": "agg", "disagg_prefill": "prefill", "disagg_decode": "decode"}


@dataclass(frozen=True)
class MeasuredProbe:
    task: str
    batch: int
    seconds: float
    compiled_shapes: int
    """Shapes torch compiled during this probe."""


@dataclass(frozen=True)
class SecondsRecord:
    path: Path
    name: str
    model_class: str
    args: tuple[str, ...]
    search: str
    jobs: int
    cores: int
    wall_s: float
    probes: tuple[MeasuredProbe, ...]
    task_s: tuple[tuple[str, float], ...]
    """msmodeling's seconds per task (strategy), from its start to its result."""

    @classmethod
    def load(cls, path: Path) -> SecondsRecord:
        try:
            raw = json.loads(path.read_text())
            if raw.get("format") != FORMAT or raw.get("version") != 1:
                raise ValueError(f"not a {FORMAT} version 1")
            probes = tuple(
                MeasuredProbe(task, int(p["batch"]), float(p["seconds"]), int(p["compiled_shapes"]))
                for task, entry in raw["tasks"].items()
                for p in entry.get("probes", ())
            )
            return cls(
                path=path,
                name=str(raw["name"]),
                model_class=str(raw["class"]),
                args=tuple(str(a) for a in raw["searchbench_args"]),
                search=str(raw["search"]),
                jobs=int(raw["jobs"]),
                cores=int(raw["measured"]["cores"]),
                wall_s=float(raw["measured"]["wall_s"]),
                probes=probes,
                task_s=tuple((task, float(e["seconds"])) for task, e in raw["tasks"].items()),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise HarnessInputError(f"{path}: not a seconds record: {error}") from None


@dataclass(frozen=True)
class ProbeCheck:
    task: str
    batch: int
    measured_s: float
    projected_s: float | None

    @property
    def ratio(self) -> float | None:
        return None if self.projected_s is None else self.projected_s / self.measured_s


@dataclass(frozen=True)
class TaskCheck:
    task: str
    strategy: str
    probes: int
    measured_probes: int
    measured_s: float
    projected_s: float


@dataclass(frozen=True)
class Projection:
    record: SecondsRecord
    whole_run_s: float
    expensive_probes: tuple[ProbeCheck, ...]
    tasks: tuple[TaskCheck, ...]

    @property
    def ratio(self) -> float:
        return self.whole_run_s / self.record.wall_s

    @property
    def holds(self) -> bool:
        probes_hold = all(
            p.ratio is not None and abs(p.ratio - 1) <= EXPENSIVE_PROBE_TOLERANCE
            for p in self.expensive_probes
        )
        return abs(self.ratio - 1) <= WHOLE_RUN_TOLERANCE and probes_hold


def project(record: SecondsRecord, request: OptimizerRequest) -> Projection:
    """The record's run, as ``request`` (its command as searchbench's flags, its one search),
    through the optimizer and the meter with msmodeling's ``--jobs`` and the machine's cores."""
    from harness.optimizer import optimize
    from harness.optimizer.seconds import projected_totals

    outcomes = optimize(request)
    time = TimeSettings(jobs=record.jobs, cores=record.cores)
    total = projected_totals(outcomes, time)[record.search]
    mine = [o for o in outcomes if o.result.search == record.search]
    outcome_of = {
        task: next((o for o in mine if _same_task(o, task)), None) for task, _ in record.task_s
    }
    checks = []
    chunked = "--max-batched-tokens" in record.args
    for probe in record.probes:
        if not (probe.compiled_shapes or (chunked and probe.batch == CHUNKED_EXPENSIVE_BATCH)):
            continue
        outcome = outcome_of.get(probe.task)
        result = outcome.result if outcome is not None else None
        projected = None
        if result is not None and probe.batch in result.sequence and result.probe_seconds:
            projected = result.probe_seconds[result.sequence.index(probe.batch)]
        checks.append(ProbeCheck(probe.task, probe.batch, probe.seconds, projected))
    tasks = []
    for task, measured in record.task_s:
        outcome = outcome_of[task]
        if outcome is not None and outcome.result.seconds is not None:
            made = sum(p.task == task for p in record.probes)
            result = outcome.result
            tasks.append(
                TaskCheck(task, outcome.key, result.probes, made, measured, result.seconds)
            )
    return Projection(record, total, tuple(checks), tuple(tasks))


def _same_task(outcome, task: str) -> bool:
    """msmodeling's task name (``agg_tp4_ep8_moedp1``) names this outcome's strategy."""
    phase, _, rest = task.rpartition("_tp")
    sizes = dict(
        (part.rstrip("0123456789"), int(part[len(part.rstrip("0123456789")) :]))
        for part in ("tp" + rest).split("_")
    )
    strategy = outcome.strategy
    if _PHASES.get(phase) != strategy.phase.value or strategy.parallel.tp != sizes["tp"]:
        return False
    if strategy.moe:
        return strategy.parallel.ep == sizes["ep"] and strategy.parallel.moe_dp == sizes["moedp"]
    return True


def load_folder(folder: Path) -> list[SecondsRecord]:
    return [SecondsRecord.load(path) for path in sorted(folder.glob("*.json"))]
