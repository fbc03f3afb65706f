"""``searchbench fuzz``: the deployment space as the test suite, judged against the ledger of
known misses; ``searchbench fuzz merge``: shards' JSON outputs as the serial run's."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from harness.cli.flags import Formatter, add_msmodeling_flag, use_msmodeling
from harness.errors import HarnessInputError, SearchbenchError
from harness.fuzz.settings import DEFAULT_CANDIDATES, MAX_EXAMPLES, PROFILES, FuzzSettings
from harness.reporting import to_json
from harness.scenarios.paths import display_path
from harness.searches import get_search

if TYPE_CHECKING:
    from harness.fuzz.document import FuzzRun

PROGRESS_SECONDS = 30.0
"""Without a terminal, progress is a line this often (a long draw never looks hung)."""
MAX_DOCUMENT_BYTES = 256 * 2**20


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "fuzz",
        help="check every search on drawn deployments, against the ledger of known misses",
        description="Draw deployments (hypothesis) across every bundled model and device, run "
        "the searches and the oracle on each, and check them. A search that claims exactness "
        "must answer the oracle's batch where feasibility is monotone, never infeasible, never "
        "more probes than the baseline unless declared: any failure fails the run, shrunk. A "
        "heuristic search's misses of its tolerance are judged against the ledger "
        "(baselines/fuzz/<profile or seed<S>-n<N>>.json): a new or worse miss fails the run. "
        "Exit 1 on a failure, 130/143 when interrupted.",
        formatter_class=Formatter,
    )
    _add_run_flags(parser)
    actions = parser.add_subparsers(dest="fuzz_action", metavar="merge")
    merge = actions.add_parser(
        "merge",
        help="merge the JSON outputs of fuzz --shard I/N into the serial run's table and verdict",
        formatter_class=Formatter,
    )
    merge.add_argument("files", nargs="+", type=Path, metavar="FILE", help="fuzz --format json")
    _add_output_flags(merge)
    merge.set_defaults(handler=merge_command)
    parser.set_defaults(handler=command)


def _add_run_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--search",
        nargs="+",
        action="extend",
        metavar="NAME",
        help=f"candidates (default: {' '.join(DEFAULT_CANDIDATES)})",
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
        help="check only every N-th deployment from the I-th (0-based); merge with fuzz merge",
    )
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="do not stop at the first failure of an exact search: check every deployment and "
        "list every failure as drawn",
    )
    parser.add_argument(
        "--ledger", type=Path, metavar="FILE", help="the ledger (default: baselines/fuzz/...)"
    )
    add_msmodeling_flag(parser)
    _add_output_flags(parser)


def _add_output_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output")
    parser.add_argument(
        "--update-baselines",
        action="store_true",
        help="rewrite the ledger (atomically) with this run's misses",
    )
    parser.add_argument(
        "--save",
        type=Path,
        metavar="DIR",
        help="write each failure and new miss, shrunk, as DIR/fuzz-seed<S>[-K].yaml and its "
        "baseline",
    )


def settings_from(args: argparse.Namespace) -> FuzzSettings:
    examples = args.examples if args.examples is not None else PROFILES[args.profile]
    if not 1 <= examples <= MAX_EXAMPLES:
        raise HarnessInputError(f"--examples: must be 1..{MAX_EXAMPLES:,}, got {examples:,}")
    try:
        shard, shards = (int(part) for part in args.shard.split("/"))
    except ValueError:
        raise HarnessInputError(f"--shard: expected I/N, got {args.shard!r}") from None
    if not 0 <= shard < shards:
        raise HarnessInputError(f"--shard: need 0 <= I < N, got {args.shard}")
    if shards > examples:
        raise HarnessInputError(
            f"--shard: {shards:,} shards of {examples:,} deployments leave some empty; "
            "use at most as many shards as --examples"
        )
    candidates = tuple(dict.fromkeys(args.search or DEFAULT_CANDIDATES))
    for name in (args.baseline, *candidates):
        if get_search(name).is_oracle:
            flag = "--baseline" if name == args.baseline else "--search"
            raise HarnessInputError(
                f"{flag}: {name} is the oracle every search is checked against; name a search "
                "(the baseline is exponential by default)"
            )
    return FuzzSettings(
        candidates,
        args.baseline,
        examples=examples,
        seed=args.seed,
        shard=(shard, shards),
        keep_going=args.keep_going,
    )


def _progress():
    if sys.stderr.isatty():

        def bar(drawn: int, total: int, checked: int) -> None:
            width = 30
            filled = width * min(drawn, total) // total
            end = "\n" if drawn >= total else ""
            dots = "#" * filled + "." * (width - filled)
            print(f"\r[{dots}] {drawn}/{total}", end=end, file=sys.stderr, flush=True)

        return bar
    last = [time.monotonic()]

    def lines(drawn: int, total: int, checked: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_SECONDS:
            last[0] = now
            print(
                f"searchbench fuzz: {drawn:,} of {total:,} drawn, {checked:,} checked",
                file=sys.stderr,
                flush=True,
            )

    return lines


def command(args: argparse.Namespace) -> int:
    use_msmodeling(args)
    settings = settings_from(args)
    from harness.fuzz.gate import interruptible, ledger_path, load_ledger, run_gate
    from harness.fuzz.save import check_folder

    if args.save is not None:
        check_folder(args.save)
    if args.update_baselines and settings.sharded:
        raise HarnessInputError(
            "--update-baselines: a shard cannot rewrite the ledger; merge the shards with "
            "`searchbench fuzz merge FILES --update-baselines`"
        )
    path = args.ledger or ledger_path(settings)
    ledger = load_ledger(settings, path, args.update_baselines)
    with interruptible():
        run = run_gate(settings, ledger, _progress())
        return finish(run, args, ledger)


def _read_json(path: Path) -> object:
    import json

    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_DOCUMENT_BYTES + 1)
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ValueError(f"larger than {MAX_DOCUMENT_BYTES // 2**20} MiB")
        return json.loads(data)
    except (OSError, ValueError, RecursionError) as error:
        raise HarnessInputError(f"{path}: not a fuzz output ({error})") from None


def merge_command(args: argparse.Namespace) -> int:
    from harness.fuzz.document import from_document
    from harness.fuzz.gate import load_ledger, merge_runs
    from harness.fuzz.save import check_folder

    if args.save is not None:
        check_folder(args.save)
    runs = [from_document(_read_json(path), str(path)) for path in args.files]
    run = merge_runs(runs)
    ledger = load_ledger(run.report.settings, Path(run.ledger.path), args.update_baselines)
    return finish(run, args, ledger)


def finish(run: FuzzRun, args: argparse.Namespace, ledger) -> int:
    """Print the run, update the ledger and save findings as asked; the exit status. Interrupted
    here, it stops with one line: every file it wrote is whole (atomic writes)."""
    try:
        return _finish(run, args, ledger)
    except KeyboardInterrupt as interrupt:
        name = getattr(interrupt, "signal_name", None) or "SIGINT"
        print(f"searchbench fuzz: interrupted by {name} while writing", file=sys.stderr)
        return 128 + signal.Signals[name].value


def _finish(run: FuzzRun, args: argparse.Namespace, ledger) -> int:
    from harness.fuzz.document import to_document
    from harness.fuzz.gate import misses_to_save, updated_ledger
    from harness.fuzz.ledger import LedgerError, write
    from harness.fuzz.render import failures, render
    from harness.fuzz.save import save_finding

    if args.format == "json":
        print(to_json(to_document(run)))
    else:
        print(render(run))
    for line in failures(run):
        print(line, file=sys.stderr)
    stop = run.report.stop
    if stop is not None and stop.reason == "interrupted":
        print(f"searchbench fuzz: {stop}; the summary covers those", file=sys.stderr)
        return 128 + signal.Signals[stop.signal or "SIGINT"].value
    if args.update_baselines:
        try:
            written = write(updated_ledger(run, ledger))
        except LedgerError as error:
            print(f"searchbench fuzz: {error}", file=sys.stderr)
        else:
            print(f"searchbench fuzz: ledger written: {display_path(written)}", file=sys.stderr)
    if args.save is not None:
        for found in misses_to_save(run):
            try:
                scenario, baseline = save_finding(args.save, found, run.report.settings)
            except (OSError, SearchbenchError) as error:
                print(f"searchbench fuzz: draw {found.index} not saved: {error}", file=sys.stderr)
                continue
            print(f"saved {display_path(scenario)} and {display_path(baseline)}", file=sys.stderr)
    if run.passed or (args.update_baselines and run.report.passed):
        return 0
    print(f"searchbench fuzz: FAILED: {_why(run)}", file=sys.stderr)
    return 1


def _why(run: FuzzRun) -> str:
    parts = []
    if run.report.failures:
        parts.append(f"{len(run.report.failures)} failure(s) of exact searches")
    if run.verdict.new:
        parts.append(f"{len(run.verdict.new)} new miss(es)")
    if run.verdict.worse:
        parts.append(f"{len(run.verdict.worse)} worse miss(es)")
    return ", ".join(parts) + " (see above)"
