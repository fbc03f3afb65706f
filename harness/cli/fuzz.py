"""``searchbench fuzz``: the deployment space as the test suite."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from harness.cli.flags import Formatter
from harness.errors import HarnessInputError
from harness.fuzz.settings import PROFILES, FuzzSettings
from harness.reporting import table, to_json

if TYPE_CHECKING:
    from harness.fuzz.run import FuzzReport


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "fuzz",
        help="check every search on drawn deployments; shrink failures into scenarios",
        description="Draw deployments (hypothesis) across every bundled model and device, run "
        "the searches and the oracle on each, and check: exact where feasibility is monotone "
        "(or within tolerance of the baseline), never infeasible, never more probes than the "
        "baseline unless declared. A failure is shrunk to a minimal deployment. Exit 1 on any.",
        formatter_class=Formatter,
    )
    parser.add_argument(
        "--search",
        nargs="+",
        action="extend",
        metavar="NAME",
        help="candidates (default: two_point certified_secant)",
    )
    parser.add_argument("--baseline", default="exponential", help="the reference search")
    parser.add_argument(
        "--profile", choices=tuple(PROFILES), default="ci", help=f"examples per profile: {PROFILES}"
    )
    parser.add_argument("--examples", type=int, help="deployments to draw (overrides --profile)")
    parser.add_argument("--seed", type=int, default=1, help="the draw's seed")
    parser.add_argument(
        "--shard",
        default="0/1",
        metavar="I/N",
        help="check only every N-th deployment from the I-th (0-based)",
    )
    parser.add_argument(
        "--save",
        type=Path,
        metavar="DIR",
        help="write a failure as DIR/fuzz-seed<S>.yaml and its baseline",
    )
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="check every deployment and list every failure (no shrinking)",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output")
    parser.set_defaults(handler=command)


def settings_from(args: argparse.Namespace) -> FuzzSettings:
    examples = args.examples if args.examples is not None else PROFILES[args.profile]
    if examples < 1:
        raise HarnessInputError(f"--examples: must be >= 1, got {examples}")
    try:
        shard, shards = (int(part) for part in args.shard.split("/"))
    except ValueError:
        raise HarnessInputError(f"--shard: expected I/N, got {args.shard!r}") from None
    if not 0 <= shard < shards:
        raise HarnessInputError(f"--shard: need 0 <= I < N, got {args.shard}")
    candidates = tuple(dict.fromkeys(args.search or ("two_point", "certified_secant")))
    return FuzzSettings(
        candidates,
        args.baseline,
        examples=examples,
        seed=args.seed,
        shard=(shard, shards),
        keep_going=args.keep_going,
    )


def _progress():
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * min(done, total) // total
        end = "\n" if done >= total else ""
        bar = "#" * filled + "." * (width - filled)
        print(f"\r[{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def rows(report: FuzzReport) -> list[dict[str, object]]:
    return [{"search": name, **stats.summary()} for name, stats in report.stats.items()]


def command(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    from harness.fuzz.deployments import describe
    from harness.fuzz.run import fuzz
    from harness.fuzz.save import save_finding

    report = fuzz(settings, _progress())
    if args.format == "json":
        failure = None
        if report.failure:
            request, found = report.failure
            failure = {"deployment": describe(request), "violations": [str(v) for v in found]}
        print(
            to_json(
                {"deployments": report.deployments, "searches": rows(report), "failure": failure}
            )
        )
    else:
        body = [
            [
                r["search"],
                r["strategies"],
                f"{r['mean']:.2f}",
                r["median"],
                r["p95"],
                r["max"],
                r["equals_oracle_where_monotone"],
            ]
            for r in rows(report)
        ]
        headers = (
            "search",
            "strategies",
            "mean probes",
            "median",
            "p95",
            "max",
            "equals oracle (monotone)",
        )
        print(
            f"{report.deployments} deployments drawn with seed {settings.seed}"
            + (f" ({report.refused} refused by the simulator)" if report.refused else "")
        )
        print(table(body, headers))
        for name, stats in report.stats.items():
            print(f"worst for {name}: {stats.worst[0]} probes at {stats.worst[1]}")
    if report.failure is None:
        return 0
    request, found = report.failure
    for other, violation in report.violations:
        print(f"FAILED {violation}: {describe(other)}", file=sys.stderr)
    if not settings.keep_going:
        print(f"FAILED (shrunk): {describe(request)}", file=sys.stderr)
        for violation in found:
            print(f"  {violation}", file=sys.stderr)
    if args.save is not None:
        scenario, baseline = save_finding(args.save, request, found, settings)
        print(f"saved {scenario} and {baseline}", file=sys.stderr)
    return 1
