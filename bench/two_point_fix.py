"""The evidence for docs/two-point-fix.md: exponential, two_point (msmodeling's linear_exponential)
and two_point_checked on the bundled library and on the fuzz, as Markdown.

    python bench/two_point_fix.py                          # library + seeds 1 2 3 x 1000
    python bench/two_point_fix.py --seeds 7 --examples 200 # another draw
    python bench/two_point_fix.py --no-library

Answers are compared with the exhaustive oracle on every strategy whose feasibility is monotone;
a miss is an answer more than the fuzz's tolerance (2%) short of it. Probes are per strategy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from harness.fuzz import FuzzSettings, fuzz
from harness.fuzz.run import evaluate
from harness.gates.answers import within
from harness.optimizer import optimize
from harness.request import SearchRun
from harness.scenarios import find_layout, load_scenario, scenario_id
from harness.scenarios.model import DEFAULT_TOLERANCE

SEARCHES = ("exponential", "two_point", "two_point_checked")
ORACLE = "exhaustive"
TREE = Path(__file__).resolve().parent.parent


@dataclass
class Tally:
    probes: list[int] = field(default_factory=list)
    monotone: int = 0
    equal: int = 0
    misses: list[float] = field(default_factory=list)

    def add(self, result, truth) -> None:
        self.probes.append(result.probes)
        if truth.oracle is None or not truth.oracle.monotone:
            return
        self.monotone += 1
        self.equal += result.batch_size == truth.batch_size
        if not within(result.batch_size, truth.batch_size, DEFAULT_TOLERANCE):
            short = (truth.batch_size - (result.batch_size or 0)) / truth.batch_size
            self.misses.append(round(100 * short, 1))


@dataclass
class Binding:
    """A strategy where two_point misses: what each search answered, and at what cost."""

    where: str
    oracle: int
    answers: dict[str, tuple[int | None, int]]


def by_strategy(outcomes) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for outcome in outcomes:
        out.setdefault(outcome.key, {})[outcome.result.search] = outcome.result
    return out


def library() -> tuple[dict[str, Tally], list[Binding], int]:
    tallies = {name: Tally() for name in SEARCHES}
    bindings = []
    root = find_layout(TREE).scenarios
    paths = sorted(root.glob("*.yaml"))
    runs = tuple(SearchRun(name) for name in (*SEARCHES, ORACLE))
    for path in paths:
        scenario = load_scenario(path, scenario_id(path, root))
        for key, results in by_strategy(optimize(scenario.request_for(runs))).items():
            truth = results[ORACLE]
            for name in SEARCHES:
                tallies[name].add(results[name], truth)
            bindings += _binding(f"{scenario.id} {key}", results, truth)
    return tallies, bindings, len(paths)


def _binding(where: str, results, truth) -> list[Binding]:
    plain = results["two_point"]
    monotone = truth.oracle is not None and truth.oracle.monotone
    if not monotone or within(plain.batch_size, truth.batch_size, DEFAULT_TOLERANCE):
        return []
    answers = {name: (results[name].batch_size, results[name].probes) for name in SEARCHES}
    return [Binding(where, truth.batch_size, answers)]


def fuzzed(seed: int, examples: int) -> tuple[dict[str, Tally], list[Binding]]:
    settings = FuzzSettings(SEARCHES[1:], examples=examples, seed=seed, keep_going=True)
    report = fuzz(settings)
    if report.failures:
        sys.exit(f"exact searches failed: {[str(f.finding) for f in report.failures]}")
    tallies = {}
    for name in SEARCHES:
        stats = report.stats[name]
        probes = [p for p, n in sorted(stats.probes.items()) for _ in range(n)]
        tally = Tally(probes, stats.monotone, stats.equal)
        tally.misses = [f.finding.miss_pct for f in report.misses if f.finding.search == name]
        tallies[name] = tally
    bindings = []
    for found in report.misses:
        outcomes, _ = evaluate(found.request, settings)
        results = by_strategy(outcomes)[found.finding.strategy]
        where = f"seed {seed} draw {found.index} {found.finding.strategy}: {found.where}"
        bindings += _binding(where, results, results[ORACLE])
    return tallies, bindings


def rows(corpus: str, tallies: dict[str, Tally]) -> list[str]:
    out = []
    for name in SEARCHES:
        t = tallies[name]
        worst = f"{max(t.misses):g}%" if t.misses else "-"
        out.append(
            f"| {corpus} | {name} | {len(t.probes)} | {t.equal}/{t.monotone} | "
            f"{len(t.misses)} | {worst} | {statistics.fmean(t.probes):.2f} | {max(t.probes)} |"
        )
    return out


def merged(parts: list[dict[str, Tally]]) -> dict[str, Tally]:
    out = {name: Tally() for name in SEARCHES}
    for part in parts:
        for name, t in part.items():
            out[name].probes += t.probes
            out[name].monotone += t.monotone
            out[name].equal += t.equal
            out[name].misses += t.misses
    return out


def binding_rows(bindings: list[Binding]) -> list[str]:
    out = []
    for b in bindings:
        cells = " | ".join(f"{a} ({p})" for a, p in (b.answers[n] for n in SEARCHES))
        out.append(f"| {b.where} | {b.oracle} | {cells} |")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--no-library", action="store_true")
    args = parser.parse_args(argv)
    table = [
        "| corpus | search | strategies | equals oracle (monotone) | misses > 2% | worst miss "
        "| mean probes | max probes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    bindings: list[Binding] = []
    if not args.no_library:
        tallies, found, count = library()
        table += rows(f"library ({count} scenarios)", tallies)
        bindings += found
    parts = []
    for seed in args.seeds:
        tallies, found = fuzzed(seed, args.examples)
        table += rows(f"fuzz, seed {seed} x {args.examples}", tallies)
        parts.append(tallies)
        bindings += found
    if len(parts) > 1:
        seeds = ", ".join(str(s) for s in args.seeds)
        table += rows(f"fuzz, seeds {seeds}", merged(parts))
    print("\n".join(table))
    print()
    print(f"| where two_point misses | oracle | {' | '.join(SEARCHES)} |")
    print("|---|---|---|---|---|")
    print("\n".join(binding_rows(bindings)))
    print()
    print("Cells: answer (probes).")


if __name__ == "__main__":
    main()
