"""The ``searchbench`` command line: thin wrappers over the same functions the tests call."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence

import numpy as np

from harness.errors import HarnessInputError
from harness.optimizer import MSMODELING_SECONDS_PER_PROBE, OptimizerRequest, SearchRun, optimize
from harness.report import best_rows, outcome_rows, side_by_side, to_csv, to_json, verdicts
from harness.searches import SEARCHES, SearchConfigError, get_search
from simulator import Deployment, SimulatorInputError, sweep

DEFAULT_STRATEGIES = ("exponential", "two_point", "exhaustive")
PROBE_FIELDS = (
    "batch_size",
    "ttft_ms",
    "tpot_ms",
    "decode_ms",
    "prefill_wave_ms",
    "tokens_per_s",
    "tokens_per_s_per_device",
    "weights_gib",
    "kv_cache_gib",
    "activation_gib",
    "available_gib",
    "per_request_gib",
    "feasible",
    "reason",
)
USER_ERRORS = (SimulatorInputError, SearchConfigError, HarnessInputError)


def parse_batch_spec(spec: str) -> list[int]:
    """An int, a comma list, or an inclusive range A:B."""
    try:
        if ":" in spec:
            low, high = (int(part) for part in spec.split(":"))
            if low > high:
                raise HarnessInputError(f"--batch-size: range {spec} has start > end")
            return list(range(low, high + 1))
        return [int(part) for part in spec.split(",")]
    except ValueError:
        raise HarnessInputError(
            f"--batch-size: expected an int, a comma list (1,8,64) or a range A:B, got {spec!r}"
        ) from None


def _limit(text: str) -> float | None:
    value = float(text)
    return None if math.isinf(value) and value > 0 else value


def _add_deployment_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="HF id of a bundled model, or a config.json / its folder")
    parser.add_argument("--device", "--devices", default="TEST_DEVICE")
    parser.add_argument("--num-devices", type=int, default=1)
    parser.add_argument("--input-length", type=int, required=True)
    parser.add_argument("--output-length", type=int, required=True)
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--quantize-linear-action", default="W8A8_DYNAMIC")
    parser.add_argument("--quantize-attention-action", default="DISABLED")
    parser.add_argument("--tpot-limits", "--tpot-limit", dest="tpot_limit", type=_limit)
    parser.add_argument("--ttft-limits", "--ttft-limit", dest="ttft_limit", type=_limit)
    parser.add_argument("--reserved-memory-gb", type=float, default=10.0)
    parser.add_argument("--max-batched-tokens", type=int)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="searchbench",
        description="Benchmark and regression harness for Ascend throughput-optimizer searches.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    probe = commands.add_parser("probe", help="evaluate the simulator at given batch sizes")
    _add_deployment_args(probe)
    probe.add_argument("--tp", type=int, default=1)
    probe.add_argument("--ep", type=int)
    probe.add_argument("--disagg", choices=("prefill", "decode"))
    probe.add_argument("--batch-size", required=True, help="N, a comma list, or A:B inclusive")
    probe.add_argument("--format", choices=("table", "json"), default="table")
    probe.set_defaults(handler=cmd_probe)

    opt = commands.add_parser("optimize", help="search every parallel strategy, msmodeling-style")
    _add_deployment_args(opt)
    opt.add_argument("--tp-sizes", type=int, nargs="*")
    opt.add_argument("--ep-sizes", type=int, nargs="*")
    opt.add_argument("--batch-range", type=int, nargs="+", metavar="N")
    opt.add_argument("--disagg", action="store_true")
    opt.add_argument(
        "--strategy",
        action="append",
        metavar="NAME",
        help=f"a registered search (repeatable; default: {' '.join(DEFAULT_STRATEGIES)})",
    )
    opt.add_argument("--slo-safety-factor", type=float)
    opt.add_argument(
        "--per-probe-seconds",
        type=float,
        default=MSMODELING_SECONDS_PER_PROBE,
        help="msmodeling's cost of one probe, for the projected time column",
    )
    opt.add_argument("--format", choices=("table", "json", "csv"), default="table")
    opt.set_defaults(handler=cmd_optimize)

    from harness import cli_scenarios

    cli_scenarios.add_commands(commands)
    return parser


def _deployment_from(args: argparse.Namespace) -> Deployment:
    mode = {None: "agg", "prefill": "disagg-prefill", "decode": "disagg-decode"}[args.disagg]
    return Deployment.create(
        args.model,
        device=args.device,
        num_devices=args.num_devices,
        tp=args.tp,
        ep=args.ep,
        input_length=args.input_length,
        output_length=args.output_length,
        quantize_linear_action=args.quantize_linear_action,
        quantize_attention_action=args.quantize_attention_action,
        compile=args.compile,
        reserved_memory_gb=args.reserved_memory_gb,
        max_batched_tokens=args.max_batched_tokens,
        mode=mode,
        tpot_limit_ms=args.tpot_limit,
        ttft_limit_ms=args.ttft_limit,
    )


def probe_rows(deployment: Deployment, batch_sizes: Sequence[int]) -> list[dict[str, object]]:
    rows = []
    for result in sweep(deployment, np.array(batch_sizes, dtype=np.int64)).rows():
        row = {}
        for name in PROBE_FIELDS:
            value = getattr(result, name)
            if isinstance(value, float) and not math.isfinite(value):
                value = None
            row[name] = round(value, 6) if isinstance(value, float) else value
        rows.append(row)
    return rows


def cmd_probe(args: argparse.Namespace) -> int:
    rows = probe_rows(_deployment_from(args), parse_batch_spec(args.batch_size))
    if args.format == "json":
        print(to_json(rows))
    else:
        from tabulate import tabulate

        print(tabulate(rows, headers="keys", tablefmt="github", floatfmt=".3f"))
    return 0


def request_from(args: argparse.Namespace) -> OptimizerRequest:
    names = args.strategy or list(DEFAULT_STRATEGIES)
    runs = []
    for name in names:
        spec = get_search(name)
        params = {}
        if args.slo_safety_factor is not None:
            if not args.slo_safety_factor > 0:
                raise HarnessInputError(
                    f"--slo-safety-factor: must be > 0, got {args.slo_safety_factor}"
                )
            if "slo_safety_factor" in spec.params_type.__dataclass_fields__:
                params["slo_safety_factor"] = args.slo_safety_factor
        runs.append(SearchRun(name, params))
    batch_range = None
    if args.batch_range is not None:
        if len(args.batch_range) > 2:
            raise HarnessInputError("--batch-range: give MIN MAX or MAX")
        batch_range = (
            (1, args.batch_range[0]) if len(args.batch_range) == 1 else tuple(args.batch_range)
        )
    return OptimizerRequest(
        model=args.model,
        input_length=args.input_length,
        output_length=args.output_length,
        device=args.device,
        num_devices=args.num_devices,
        compile=args.compile,
        quantize_linear_action=args.quantize_linear_action,
        quantize_attention_action=args.quantize_attention_action,
        tpot_limit_ms=args.tpot_limit,
        ttft_limit_ms=args.ttft_limit,
        tp_sizes=() if args.tp_sizes is None else tuple(args.tp_sizes),
        ep_sizes=None if args.ep_sizes is None else tuple(args.ep_sizes),
        batch_range=batch_range,
        reserved_memory_gb=args.reserved_memory_gb,
        max_batched_tokens=args.max_batched_tokens,
        disagg=args.disagg,
        searches=tuple(runs),
    )


def _progress_printer():
    if not sys.stderr.isatty():
        return None

    def show(index: int, total: int, what: str) -> None:
        end = "\n" if index == total else ""
        print(f"\r[{index}/{total}] {what:<60}", end=end, file=sys.stderr, flush=True)

    return show


def cmd_optimize(args: argparse.Namespace) -> int:
    request = request_from(args)
    outcomes = optimize(request, progress=_progress_printer())
    rows = outcome_rows(outcomes, args.per_probe_seconds)
    names = [run.name for run in request.searches]
    if args.format == "json":
        print(
            to_json({"rows": rows, "best": best_rows(outcomes, names[0], args.per_probe_seconds)})
        )
    elif args.format == "csv":
        print(to_csv(rows), end="")
    else:
        print(side_by_side(rows, names))
        print()
        for line in verdicts(rows, names):
            print(line)
        for phase, best in best_rows(outcomes, names[0], args.per_probe_seconds).items():
            if best:
                print(
                    f"best ({phase}, {names[0]}): {best['parallel']} batch {best['batch_size']} "
                    f"concurrency {best['concurrency']} {best['tokens_per_s']:.2f} tok/s "
                    f"({best['tokens_per_s_per_device']:.2f} per device)"
                )
            else:
                print(f"best ({phase}, {names[0]}): no feasible batch on any parallel strategy")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except USER_ERRORS as error:
        print(f"searchbench: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


__all__ = ["SEARCHES", "build_parser", "main"]
