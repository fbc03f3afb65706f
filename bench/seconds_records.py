"""Distil timed msmodeling runs into the seconds calibration records (tests/calibration/seconds/).

    python bench/seconds_records.py RUNS_DIR [--out tests/calibration/seconds] [NAME ...]

A timed run is the JSON-lines log of one msmodeling throughput-optimizer process run under a
timing logger (docs/seconds.md, "Timed runs"): a ``run`` line (the command, msmodeling's commit,
wall and CPU seconds, the machine's load while it ran), then one line per task, model build,
probe and forward. A record keeps what the projection is checked against: the command as
searchbench's flags, the whole run's seconds, and each probe's batch and seconds per strategy.
Runs that shared the machine with another msmodeling process are refused: their seconds say more
about the neighbour than about msmodeling.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

from harness.gates import write_atomic
from harness.scenarios import display_path

TREE = Path(__file__).resolve().parent.parent
MODELS = {
    "Qwen3-8B": "Qwen/Qwen3-8B",
    "Qwen3-32B": "Qwen/Qwen3-32B",
    "Qwen3-30B-A3B": "Qwen/Qwen3-30B-A3B",
    "Qwen3-235B-A22B": "Qwen/Qwen3-235B-A22B",
    "DeepSeek-V3": "deepseek-ai/DeepSeek-V3",
    "Llama-3.1-8B": "meta-llama/Llama-3.1-8B",
}
SEARCHES = {"exponential": "exponential", "linear_exponential": "two_point"}


def searchbench_args(argv: list[str]) -> tuple[list[str], str, int]:
    """msmodeling's argv as ``searchbench optimize`` flags, the search and msmodeling's --jobs."""
    model = MODELS[Path(argv[0]).name]
    out, search, jobs = [model], None, 8
    rest = iter(argv[1:])
    for flag in rest:
        if flag == "--jobs":
            jobs = int(next(rest))
        elif flag == "--concurrency-search-strategy":
            search = SEARCHES[next(rest)]
        else:
            out.append(flag)
    if search is None:
        raise SystemExit(f"{argv}: no --concurrency-search-strategy")
    return out, search, jobs


def distil(path: Path) -> dict:
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    (run,) = [line for line in lines if line["kind"] == "run"]
    if run["rc"] != 0 or run["timed_out"]:
        raise SystemExit(f"{path}: msmodeling exited {run['rc']}")
    if run["other_msm_procs_max"]:
        raise SystemExit(f"{path}: shared the machine with another msmodeling process")
    (start,) = [line for line in lines if line["kind"] == "run_start"]
    argv = start["argv"]
    argv = ast.literal_eval(argv) if isinstance(argv, str) else argv
    flags, search, jobs = searchbench_args(argv)
    tasks: dict[str, dict] = {}
    for line in lines:
        if line["kind"] == "task_end":
            tasks.setdefault(line["task"], {})["seconds"] = round(line["duration_s"], 3)
        elif line["kind"] == "probe":
            task = tasks.setdefault(line["task"], {})
            task.setdefault("probes", []).append(
                {
                    "batch": line["batch_size"],
                    "seconds": round(line["duration_s"], 3),
                    "forwards": line["n_forwards_new_in_task"] + line["n_forwards_repeat_in_task"],
                    "compiled_shapes": line["compile_events"],
                }
            )
    first_task = min(line["since_launch_s"] for line in lines if line["kind"] == "task_start")
    return {
        "format": "searchbench-seconds-record",
        "version": 1,
        "name": run["name"],
        "class": run["cls"],
        "msmodeling_commit": run["msmodeling_commit"],
        "msmodeling_argv": argv,
        "searchbench_args": flags,
        "search": search,
        "jobs": jobs,
        "measured": {
            "wall_s": round(run["wall_s"], 2),
            "cpu_s": round(run["cpu_s"], 2),
            "startup_s": round(first_task, 2),
            "load1_mean": round(run["load1_mean"], 2),
            "cores": run["nproc"],
        },
        "tasks": {
            re.sub(r"_mtp\d+_dcp\d+$", "", name): task for name, task in sorted(tasks.items())
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path)
    parser.add_argument("names", nargs="*")
    parser.add_argument("--out", type=Path, default=TREE / "tests" / "calibration" / "seconds")
    args = parser.parse_args(argv)
    names = args.names or sorted(p.stem for p in args.runs.glob("*.jsonl"))
    for name in names:
        record = distil(args.runs / f"{name}.jsonl")
        target = args.out / f"{name}.json"
        write_atomic(target, json.dumps(record, indent=2) + "\n")
        print(f"{display_path(target)}: {record['measured']['wall_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
