"""Does the timing gate hold on a loaded machine, and does it catch a 2x slowdown?

    python bench/timing_gate_noise.py --base ../base [--runs 20] [--hogs 2]

Runs ``bench/timing_gate.py`` ``--runs`` times against the base with this tree unchanged, and
three times with ``--slowdown 2``, while ``--hogs`` busy processes load the machine, and prints
one row per gate run: the load average, the ratio, the threshold and the verdict.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import subprocess
import sys
from pathlib import Path

from tabulate import tabulate

HERE = Path(__file__).resolve().parent
SUMMARY = re.compile(r"geometric mean over \d+ scenarios: ([\d.]+) \(fails above ([\d.]+)")


def _hog() -> None:
    while True:
        pass


def gate(base: Path, slowdown: int) -> tuple[float, float, bool]:
    command = [sys.executable, str(HERE / "timing_gate.py"), "--base", str(base)]
    done = subprocess.run(
        [*command, "--slowdown", str(slowdown)], capture_output=True, text=True, check=False
    )
    found = SUMMARY.search(done.stdout)
    if found is None:
        raise SystemExit(f"timing gate printed no verdict:\n{done.stdout}\n{done.stderr}")
    return float(found[1]), float(found[2]), done.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--hogs", type=int, default=2, help="busy processes loading the machine")
    args = parser.parse_args()
    hogs = [multiprocessing.Process(target=_hog, daemon=True) for _ in range(args.hogs)]
    for hog in hogs:
        hog.start()
    rows, held, caught = [], 0, 0
    try:
        plan = [("unchanged", 1)] * args.runs + [("2x slower", 2)] * 3
        for run, (what, slowdown) in enumerate(plan, start=1):
            ratio, threshold, passed = gate(args.base, slowdown)
            held += what == "unchanged" and passed
            caught += what != "unchanged" and not passed
            load = f"{os.getloadavg()[0]:.1f}"
            verdict = "pass" if passed else "FAIL"
            rows.append((run, what, load, f"{ratio:.3f}", f"{threshold:.3f}", verdict))
            print(tabulate([rows[-1]], tablefmt="plain"), flush=True)
    finally:
        for hog in hogs:
            hog.terminate()
    headers = ("run", "tree", "load (1 min)", "ratio", "threshold", "gate")
    print(tabulate(rows, headers=headers, tablefmt="github"))
    print(f"\nunchanged code passed {held} of {args.runs}; a 2x slowdown was caught {caught} of 3")


if __name__ == "__main__":
    main()
