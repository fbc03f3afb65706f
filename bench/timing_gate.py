"""The timing gate: is this tree slower than another checkout (a pull request's base), measured
in one job on one machine?

    python bench/timing_gate.py --base ../base          # exit 1 if this tree is slower

Both trees run as long-lived workers (``bench/timing_worker.py``), each timing its own copy of
every scenario's compared searches through ``optimize``, cold, as a run does. Requests
alternate between the two, in an order that flips each round, so both see the same load at
the same moment: a shared machine's drift cancels instead of landing on one side.

The verdict is the geometric mean over scenarios of branch / base median time. Its threshold
comes from the noise measured in this very run: each side's rounds are split in two halves,
and the spread of half-versus-half ratios of unchanged code gives the standard error of the
geometric mean. The gate fails when the mean exceeds ``max(MIN_THRESHOLD, exp(4 x that
error))``, which unchanged code on a loaded machine does not reach, while a 2x slowdown does
(``bench/timing_gate_noise.py`` shows both).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tabulate import tabulate

HERE = Path(__file__).resolve().parent
TREE = HERE.parent
MIN_THRESHOLD = 1.25
"""Below a 25% slowdown the gate does not judge: a search's cost is dominated by probes, which
the probes gate counts exactly."""
MAX_THRESHOLD = 1.6
"""Noise that would need a wider threshold than this cannot hide a 2x slowdown: the gate says
the machine is too noisy and fails, rather than pass blind."""
SIGMAS = 4.0
SAMPLE_SECONDS = 0.03
"""Each timed sample runs the scenario enough times to last about this long."""


class Worker:
    """One tree's timing worker, spoken to over pipes."""

    def __init__(self, tree: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(tree)}
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "timing_worker.py")],
            cwd=tree,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.items: list[str] = self._read()["items"]

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"timing gate: the worker in {self.process.args} stopped")
        return json.loads(line)

    def time(self, item: str, repeats: int) -> float:
        self.process.stdin.write(json.dumps({"item": item, "repeats": repeats}) + "\n")
        self.process.stdin.flush()
        return self._read()["seconds"]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@dataclass(frozen=True)
class Verdict:
    ratio: float
    """Geometric mean over scenarios of branch / base median seconds."""
    threshold: float
    noise: float
    """Relative standard error of the geometric mean, from half-versus-half ratios."""
    rows: tuple[tuple[object, ...], ...]

    @property
    def too_noisy(self) -> bool:
        return self.threshold > MAX_THRESHOLD

    @property
    def passed(self) -> bool:
        return not self.too_noisy and self.ratio <= self.threshold

    def summary(self) -> str:
        line = (
            f"branch / base time, geometric mean over {len(self.rows)} scenarios: "
            f"{self.ratio:.3f} (fails above {min(self.threshold, MAX_THRESHOLD):.3f}; "
            f"noise from this run: {self.noise:.1%})"
        )
        if self.too_noisy:
            return line + f"\nFAIL: too noisy to judge (threshold {self.threshold:.2f})"
        return line + ("\nok" if self.passed else "\nFAIL: the branch is slower")


def measure(base: Worker, branch: Worker, rounds: int, slowdown: int = 1) -> Verdict:
    items = [item for item in branch.items if item in base.items]
    if not items:
        raise SystemExit("timing gate: the two trees share no scenario")
    repeats = {}
    for item in items:  # warm both up; size the samples on the base
        branch.time(item, 1)
        repeats[item] = max(1, math.ceil(SAMPLE_SECONDS / max(base.time(item, 1), 1e-6)))
    samples: dict[str, tuple[list[float], list[float]]] = {i: ([], []) for i in items}
    for round_ in range(rounds):
        for index, item in enumerate(items):
            sides = ((base, 0, 1), (branch, 1, slowdown))
            for worker, side, factor in sides if (round_ + index) % 2 == 0 else sides[::-1]:
                seconds = worker.time(item, repeats[item] * factor) / repeats[item]
                samples[item][side].append(seconds)
    return judge(samples)


def judge(samples: dict[str, tuple[list[float], list[float]]]) -> Verdict:
    rows, logs, halves = [], [], []
    for item, (base, branch) in samples.items():
        ratio = statistics.median(branch) / statistics.median(base)
        logs.append(math.log(ratio))
        for side in (base, branch):
            halves.append(math.log(statistics.median(side[1::2]) / statistics.median(side[::2])))
        rows.append((item, statistics.median(base) * 1e3, statistics.median(branch) * 1e3, ratio))
    center = statistics.median(halves)
    spread = 1.4826 * statistics.median(abs(h - center) for h in halves)
    # A half-versus-half ratio carries the noise of two half-size medians, like a full ratio.
    error = spread / math.sqrt(len(logs))
    threshold = max(MIN_THRESHOLD, math.exp(SIGMAS * error))
    ratio = math.exp(statistics.fmean(logs))
    return Verdict(ratio, threshold, math.expm1(error), tuple(rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the checkout to compare with")
    parser.add_argument("--rounds", type=int, default=8, help="timed samples per side (even)")
    parser.add_argument(
        "--slowdown",
        type=int,
        default=1,
        help="run each of this tree's samples N times (a self-test of the gate)",
    )
    parser.add_argument("--format", choices=("github", "simple"), default="simple")
    args = parser.parse_args(argv)
    base, branch = Worker(args.base.resolve()), Worker(TREE)
    try:
        verdict = measure(base, branch, args.rounds, args.slowdown)
    finally:
        base.close()
        branch.close()
    headers = ("scenario", "base ms", "branch ms", "ratio")
    print(tabulate(verdict.rows, headers=headers, tablefmt=args.format, floatfmt=".3f"))
    print()
    print(verdict.summary())
    return 0 if verdict.passed else 1


if __name__ == "__main__":
    sys.exit(main())
