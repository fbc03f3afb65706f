"""Print the simulator's and the searches' speed against their targets, measured in one run.

    python bench/speed.py

Projected msmodeling time = probes x the per-probe cost measured there (about 0.64 s eager).
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable

import numpy as np
from tabulate import tabulate

from harness.optimizer import MSMODELING_SECONDS_PER_PROBE, SearchRun, optimize
from harness.scenarios import discover, find_layout, load_scenario
from harness.searches import SEARCHES
from simulator import Deployment, Simulator


def rotating_probe(simulator: Simulator, sizes: range = range(1, 257)) -> Callable[[], object]:
    """A probe at the next of many batch sizes, as a search walks them: a repeated size would
    time only the simulator's kept remainder-wave rows, not a probe."""
    batches = itertools.cycle(sizes)
    return lambda: simulator.probe(next(batches))


def median_seconds(call: Callable[[], object], rounds: int, inner: int = 1) -> float:
    call()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(inner):
            call()
        samples.append((time.perf_counter() - start) / inner)
    return statistics.median(samples)


def _mission_simulator() -> Simulator:
    return Simulator(
        Deployment.create(
            "Qwen/Qwen3-32B",
            num_devices=8,
            tp=8,
            input_length=3500,
            output_length=1500,
            tpot_limit_ms=50,
        )
    )


def _moe_simulator(tp: int, ep: int, compile: bool = False) -> Simulator:
    """Qwen3-30B-A3B on msmodeling's reference layout, where every probe runs the expert chain."""
    return Simulator(
        Deployment.create(
            "Qwen/Qwen3-30B-A3B",
            num_devices=8,
            tp=tp,
            ep=ep,
            input_length=2000,
            output_length=1000,
            tpot_limit_ms=50,
            compile=compile,
        )
    )


def _deepseek_simulator(mtp: int) -> Simulator:
    """DeepSeek-V3 as its bundled scenario deploys it (16 A3 dies, TP=4 x EP=16)."""
    scenario = load_scenario(find_layout().scenarios / "deepseek-v3-16x-a3-ep16-mtp.yaml")
    request = scenario.request_for(scenario.searches.candidates)
    strategy = next(s for s in request.strategies() if s.mtp == mtp)
    return Simulator(request.deployment(strategy, None))


def simulator_table() -> str:
    """Probe and sweep medians against their targets; MoE and DeepSeek probes against the dense
    probe, as a ratio measured in the same run (target: at most 2x dense)."""
    dense = _mission_simulator()
    batches = np.arange(1, 4097)
    rows = []
    timings = (
        ("one probe, Qwen3-32B TP=8", rotating_probe(dense), 200, 100e-6),
        ("sweep 1..4096, Qwen3-32B TP=8", lambda: dense.sweep(batches), 5, 20e-3),
    )
    for name, call, inner, target in timings:
        median = median_seconds(call, rounds=15, inner=inner)
        verdict = "ok" if median <= target else "SLOW"
        rows.append((name, f"{median * 1e6:,.0f} us", f"{target * 1e6:,.0f} us", "", verdict))
    reference = median_seconds(rotating_probe(dense), rounds=15, inner=200)
    for label, moe in (
        ("one probe, Qwen3-30B-A3B TP=1 EP=2", _moe_simulator(1, 2)),
        ("one probe, Qwen3-30B-A3B TP=8 EP=4 compiled", _moe_simulator(8, 4, True)),
        ("one probe, DeepSeek-V3 TP=4 EP=16 compiled", _deepseek_simulator(0)),
        ("one probe, DeepSeek-V3 TP=4 EP=16 compiled, MTP=1", _deepseek_simulator(1)),
    ):
        median = median_seconds(rotating_probe(moe), rounds=15, inner=200)
        ratio = median / reference
        verdict = "ok" if ratio <= 2 else "SLOW"
        rows.append((label, f"{median * 1e6:,.0f} us", "2x dense", f"{ratio:.2f}", verdict))
    headers = ("simulator", "median", "target", "/ dense probe", "verdict")
    return tabulate(rows, headers=headers, tablefmt="github")


def search_table() -> str:
    rows = []
    mission = load_scenario(find_layout().scenarios / "qwen3-32b-8x-tpot50-eager.yaml")
    for name in SEARCHES:
        request = mission.request_for((SearchRun(name),))
        probes = sum(o.result.probes for o in optimize(request))
        median = median_seconds(lambda request=request: optimize(request), rounds=7)
        rows.append(
            (
                name,
                probes,
                f"{median * 1e3:.1f} ms",
                f"{probes * MSMODELING_SECONDS_PER_PROBE:.1f} s",
            )
        )
    return tabulate(
        rows,
        headers=("search (4 TPs)", "probes", "median wall", "projected msmodeling"),
        tablefmt="github",
    )


def scenario_table() -> str:
    """Per bundled scenario: each search's median wall time, and candidates over two_point."""
    rows = []
    layout = find_layout()
    for file in discover([layout.scenarios], layout.scenarios):
        scenario = load_scenario(file.path, file.id)
        plan = scenario.searches
        medians = {}
        for run in (plan.baseline, *plan.candidates):
            request = scenario.request_for((run,))
            medians[run.name] = median_seconds(lambda request=request: optimize(request), rounds=7)
        reference = medians.get("two_point")
        rows.append(
            (
                scenario.id,
                *(f"{medians[name] * 1e3:.2f}" for name in medians),
                f"{medians['certified_secant'] / reference:.2f}" if reference else "",
            )
        )
        names = list(medians)
    headers = ("scenario", *(f"{n} ms" for n in names), "certified_secant / two_point")
    return tabulate(rows, headers=headers, tablefmt="github")


def fuzz_table() -> str:
    """A 1000-deployment fuzz run, all searches and the oracle (target: at most 30 s)."""
    from harness.fuzz import FuzzSettings, fuzz

    start = time.perf_counter()
    report = fuzz(FuzzSettings(examples=1000, seed=1, keep_going=True))
    seconds = time.perf_counter() - start
    row = (report.deployments, f"{seconds:.1f} s", "30 s", "ok" if seconds <= 30 else "SLOW")
    return tabulate(
        [row], headers=("fuzz deployments", "wall", "target", "verdict"), tablefmt="github"
    )


if __name__ == "__main__":
    print(simulator_table())
    print()
    print(search_table())
    print()
    print(scenario_table())
    print()
    print(fuzz_table())
