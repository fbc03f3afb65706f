"""``searchbench calibrate record``: run a user's msmodeling checkout with a probe logger and turn
its log into a calibration record.

msmodeling runs in its own Python (``--python``; it never becomes searchbench's dependency), once
per search, with ``msmodeling_logger.py`` wrapped around its optimizers. Each logged probe is
placed on the strategy of searchbench's request it belongs to (its layout, MTP count and phase)
and on the token budget it ran at, so the record checks the very deployments msmodeling probed.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from harness.calibration.pd_ratio import pd_ratio_section
from harness.calibration.record import DRAFT_FIELD, PROBE_FIELDS, dump
from harness.errors import SearchbenchError
from harness.gates.store import write_atomic
from harness.request import OptimizerRequest, Strategy
from harness.request.layouts import deployment_fields
from harness.request.lengths import INPUT_LENGTH

LOGGER = Path(__file__).with_name("msmodeling_logger.py")
REPLAYED_TOLERANCE = {"latency": 0.05}
REPLAYED_REASON = (
    "msmodeling estimates every device after the first from the first device's frozen workload "
    "trace (serving_cast/service/workload_cache.py, WorkloadReuseModelRunner._estimate), and "
    "that replay's TPOT runs up to 5% above msmodeling's own run of the device alone, which "
    "equals ours (docs/calibration.md, several devices)"
)
"""The allowance on the latencies of a replayed device: the largest gap measured between
msmodeling's replay and its own direct run of the same profile (5.0% at batch 512)."""
OUR_NAME = {"exponential": "exponential", "linear_exponential": "two_point"}
"""msmodeling's --concurrency-search-strategy values, under searchbench's search names."""


class RecordingError(SearchbenchError):
    """msmodeling could not be run, or its log holds nothing to record."""


def run_logged(
    checkout: Path, python: Path, arguments: Sequence[str], search: str, timeout: float
) -> list[dict]:
    """One msmodeling optimizer run with ``search``; the probe and reported-row lines it logged."""
    if not (checkout / "serving_cast" / "service" / "base_throughput_optimizer.py").is_file():
        raise RecordingError(f"{checkout}: not an msmodeling checkout (no serving_cast/service)")
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "probes.jsonl"
        command = [str(python), str(LOGGER), str(checkout), str(log), "--", *arguments]
        command += ["--concurrency-search-strategy", search]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except FileNotFoundError:
            raise RecordingError(f"--python: {python} cannot be run") from None
        except subprocess.TimeoutExpired:
            raise RecordingError(
                f"msmodeling ran past --timeout {timeout:g} s ({search})"
            ) from None
        lines = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []
    kinds = ("probe", "reported", "pd_table", "pd_instances")
    logged = [line for line in lines if line.get("kind") in kinds]
    if done.returncode != 0 or not any(line["kind"] == "probe" for line in logged):
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise RecordingError(f"msmodeling ({search}) exited {done.returncode}: {tail[0][:200]}")
    return logged


def record_payload(
    request: OptimizerRequest,
    logs: dict[str, list[dict]],
    command: str,
    commit: str,
    description: str,
) -> dict:
    """The record of one or more logged runs of the same msmodeling command, one per search."""
    runs: dict[tuple[str, int | None], dict] = {}
    for search, lines in logs.items():
        for line in lines:
            if line.get("kind") != "probe":
                continue
            strategy = _strategy_of(request, line)
            budget = line.get("max_batched_tokens")
            key = (strategy.key, budget)
            if key not in runs:
                fields = deployment_fields(request, strategy, budget)
                name = f"{strategy.key} budget {budget}"
                runs[key] = {"name": name, "deployment": _plain(fields), "probes": {}}
                if request.batch_range is not None:
                    runs[key]["batch_range"] = list(request.batch_range)
                runs[key]["sequences"] = {}
            run = runs[key]
            run["sequences"].setdefault(OUR_NAME.get(search, search), []).append(line["batch"])
            run["probes"].setdefault(line["batch"], _probe(line))
    for search, lines in logs.items():
        for line in lines:
            if line.get("kind") == "reported":
                strategy = _strategy_of(request, line).key
                _place_reported(runs, strategy, OUR_NAME.get(search, search), line)
    out = []
    for run in runs.values():
        probes = list(run["probes"].values())
        feasible = [p["batch"] for p in probes if p["feasible"]]
        out.append({**run, "probes": probes, "boundary": max(feasible) if feasible else None})
        if request.compares_devices and run["deployment"]["device"] != request.device[0]:
            out[-1].update(tolerance=REPLAYED_TOLERANCE, tolerance_reason=REPLAYED_REASON)
    payload = {
        "description": description,
        "msmodeling": {"commit": commit, "command": command},
        "runs": out,
    }
    if request.pd_ratio:
        payload["pd_ratio"] = pd_ratio_section(request, logs, OUR_NAME)
    return payload


def relative_drafts(payload: dict, folder: Path) -> dict:
    """A draft config under the record's folder is written relative to it, in the runs'
    deployments and in the command (``record.DRAFT_FIELD``); any other path is kept."""
    base = folder.resolve()
    for run in payload.get("runs", ()):
        draft = run["deployment"].get(DRAFT_FIELD)
        if not isinstance(draft, str) or not Path(draft).is_absolute():
            continue
        try:
            relative = Path(draft).resolve().relative_to(base).as_posix()
        except ValueError:
            continue
        run["deployment"][DRAFT_FIELD] = relative
        command = payload["msmodeling"]["command"]
        payload["msmodeling"]["command"] = command.replace(draft, relative)
    return payload


def _place_reported(runs: dict, strategy: str, search: str, line: dict) -> None:
    """The strategy's reported batch goes to the run of the budget it came from; the other
    budgets of an automatic retry, and a strategy msmodeling dropped, report nothing."""
    for (key, budget), run in runs.items():
        if key == strategy and search in run["sequences"]:
            found = line["batch"] is not None and budget == line.get("max_batched_tokens")
            run.setdefault("reported", {})[search] = line["batch"] if found else None


def _strategy_of(request: OptimizerRequest, line: dict) -> Strategy:
    layout = line["layout"]
    for strategy in request.strategies():
        parallel = strategy.parallel
        if (
            strategy.device in (None, line.get("device"))
            and parallel.tp == layout["tp"]
            and (not strategy.moe or parallel.ep == layout["ep"])
            and (not strategy.moe or parallel.moe_dp == layout["moe_dp"])
            and strategy.num_mtp_tokens == line["num_mtp_tokens"]
            and strategy.dcp == layout.get("dcp", 1)
            and strategy.phase.value == line["phase"]
        ):
            return strategy
    raise RecordingError(
        f"msmodeling probed layout {layout}, phase {line['phase']}, MTP "
        f"{line['num_mtp_tokens']}, DCP {layout.get('dcp', 1)}, device {line.get('device')}, "
        "which the request's flags do not enumerate"
    )


def _probe(line: dict) -> dict:
    reason = line.get("reason")
    probe = {"batch": line["batch"], "feasible": not line.get("early_stop", False)}
    if reason:
        probe["reason"] = reason
    probe.update({name: line[name] for name in PROBE_FIELDS if line.get(name) is not None})
    probe["seconds"] = round(float(line.get("seconds", 0.0)), 3)
    return probe


def _plain(fields: dict) -> dict:
    fields = {**fields, "input_length": INPUT_LENGTH.to_file(fields["input_length"])}
    return {k: (v.value if hasattr(v, "value") else list(v) if isinstance(v, tuple) else v)
            for k, v in fields.items()}  # fmt: skip


def checkout_commit(checkout: Path) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return done.stdout.strip() or "unknown"


def write_record(path: Path, payload: dict) -> Path:
    write_atomic(path, dump(payload))
    return path
