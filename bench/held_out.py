"""Mean probes per strategy on simulator configurations no search was tuned on.

    python bench/held_out.py [--configs 400] [--seed 1] [search ...]

The bundled scenario library is small (49 strategies), and a search tuned until it does well
there may only have learned the library. This draws ``--configs`` deployments at random (a
fixed seed, so every run draws the same ones) from every bundled model and device, device
counts 1 to 16, prompt and output lengths, TPOT and TTFT limits, eager and compiled, agg and
disagg, BF16 and INT8 KV cache; runs each search on every parallel strategy; and checks each
answer against the exhaustive oracle. Deployments the simulator refuses are skipped.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from dataclasses import dataclass, field

from tabulate import tabulate

from harness.errors import SearchbenchError
from harness.optimizer import OptimizerRequest, SearchRun, optimize
from harness.searches import SEARCHES
from simulator.devices import DEVICES
from simulator.models import BUNDLED_MODELS


def draw_requests(count: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    requests: list[dict[str, object]] = []
    while len(requests) < count:
        tpot = rng.choice([None, 20, 30, 50, 80, 150])
        ttft = rng.choice([None, None, 2000, 8000])
        if tpot is None and ttft is None:
            continue
        requests.append(
            {
                "model": rng.choice(sorted(BUNDLED_MODELS)),
                "device": rng.choice(sorted(DEVICES)),
                "num_devices": rng.choice([1, 2, 4, 8, 16]),
                "input_length": rng.choice([128, 512, 1024, 2048, 3500, 8000]),
                "output_length": rng.choice([128, 256, 1000, 1500, 4000]),
                "tpot_limit_ms": tpot,
                "ttft_limit_ms": ttft,
                "compile": rng.random() < 0.5,
                "disagg": rng.random() < 0.15,
                "quantize_attention_action": rng.choice(["DISABLED", "DISABLED", "INT8"]),
            }
        )
    return requests


@dataclass
class Tally:
    strategies: int = 0
    probes: int = 0
    exact: int = 0
    monotone: int = 0
    exact_monotone: int = 0
    worst: int = 0
    histogram: Counter[int] = field(default_factory=Counter)

    def add(self, probes: int, exact: bool, monotone: bool) -> None:
        self.strategies += 1
        self.probes += probes
        self.exact += exact
        self.monotone += monotone
        self.exact_monotone += exact and monotone
        self.worst = max(self.worst, probes)
        self.histogram[probes] += 1


def tally(requests: list[dict[str, object]], searches: list[str]) -> tuple[dict[str, Tally], int]:
    tallies = {name: Tally() for name in searches}
    skipped = 0
    runs = (*(SearchRun(name) for name in searches), SearchRun("exhaustive"))
    for fields in requests:
        try:
            outcomes = optimize(OptimizerRequest(**fields, searches=runs))
        except SearchbenchError:
            skipped += 1
            continue
        by_key: dict[str, dict[str, int | None]] = {}
        probes: dict[tuple[str, str], int] = {}
        monotone: dict[str, bool] = {}
        for outcome in outcomes:
            by_key.setdefault(outcome.key, {})[outcome.result.search] = outcome.result.batch_size
            probes[outcome.key, outcome.result.search] = outcome.result.probes
            if outcome.result.oracle is not None:
                monotone[outcome.key] = outcome.result.oracle.monotone
        for key, answers in by_key.items():
            for name in searches:
                exact = answers[name] == answers["exhaustive"]
                tallies[name].add(probes[key, name], exact, monotone[key])
    return tallies, skipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "searches", nargs="*", default=["exponential", "two_point", "certified_secant"]
    )
    parser.add_argument("--configs", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    unknown = [name for name in args.searches if name not in SEARCHES]
    if unknown:
        parser.error(f"unknown search(es) {', '.join(unknown)} (registered: {', '.join(SEARCHES)})")
    tallies, skipped = tally(draw_requests(args.configs, args.seed), args.searches)
    rows = [
        (
            name,
            t.strategies,
            f"{t.probes / max(t.strategies, 1):.3f}",
            f"{t.exact}/{t.strategies}",
            f"{t.exact_monotone}/{t.monotone}",
            t.worst,
            " ".join(f"{n}:{c}" for n, c in sorted(t.histogram.items())),
        )
        for name, t in tallies.items()
    ]
    print(f"{args.configs} configurations drawn with seed {args.seed}; {skipped} refused\n")
    headers = (
        "search",
        "strategies",
        "mean probes",
        "equals oracle",
        "where monotone",
        "worst",
        "probes:count",
    )
    print(tabulate(rows, headers=headers, tablefmt="github"))


if __name__ == "__main__":
    main()
