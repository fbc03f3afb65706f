"""``searchbench probe``: the simulator at given batch sizes on one strategy."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence

from harness import door
from harness.cli.flags import Formatter, add_knob_flags, knob_values
from harness.errors import HarnessInputError
from harness.reporting import table, to_json
from harness.request import OptimizerRequest, Strategy, phase_limits

MAX_BATCHES = 65_536
MAX_BATCH_SIZE = 2**31 - 1
"""A probe table longer than this is not for reading; sweeps that large belong to the oracle."""
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


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "probe",
        help="evaluate the simulator at given batch sizes",
        description="Evaluate the simulator at given batch sizes (per DP replica) on one "
        "strategy: a parallel layout, its MTP draft count, in one phase.",
        formatter_class=Formatter,
    )
    add_knob_flags(parser, per_probe_only=True)
    parser.add_argument("--tp", type=int, default=1, help="attention tensor parallelism")
    parser.add_argument("--ep", type=int, help="expert parallelism (MoE; default num_devices)")
    parser.add_argument("--moe-dp", type=int, default=1, help="expert data parallelism (MoE)")
    parser.add_argument(
        "--num-mtp-tokens", type=int, default=0, help="MTP draft tokens per decode step (0..9)"
    )
    parser.add_argument(
        "--dcp", type=int, default=1, help="decode context parallel ranks (dividing --tp)"
    )
    parser.add_argument(
        "--phase",
        choices=tuple(p.value for p in door.Phase),
        default=door.Phase.AGG.value,
        help="agg, or one phase of disaggregated serving",
    )
    parser.add_argument(
        "--batch-size",
        required=True,
        help=f"N, a comma list (1,8,64), or A:B inclusive; at most {MAX_BATCHES:,} sizes",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output")
    parser.set_defaults(handler=command)


def parse_batch_spec(spec: str) -> list[int]:
    """An int, a comma list, or an inclusive range A:B, at most MAX_BATCHES sizes."""
    try:
        if ":" in spec:
            low, high = (int(part) for part in spec.split(":"))
            count = high - low + 1
        else:
            sizes = [int(part) for part in spec.split(",")]
            count = len(sizes)
    except ValueError:
        raise HarnessInputError(
            f"--batch-size: expected an int, a comma list (1,8,64) or a range A:B, got {spec!r}"
        ) from None
    if count < 1:
        raise HarnessInputError(f"--batch-size: range {spec} has start > end")
    largest = high if ":" in spec else max(sizes)
    if largest > MAX_BATCH_SIZE:
        raise HarnessInputError(
            f"--batch-size: {largest} is past the largest batch, {MAX_BATCH_SIZE:,}"
        )
    if count > MAX_BATCHES:
        raise HarnessInputError(f"--batch-size: {spec} is {count:,} sizes; at most {MAX_BATCHES:,}")
    return list(range(low, high + 1)) if ":" in spec else sizes


def deployment_from(args: argparse.Namespace) -> door.Deployment:
    request = OptimizerRequest(**knob_values(args, per_probe_only=True))
    if request.compares_devices:
        raise HarnessInputError(
            f"--device: probe runs one deployment, so one device profile; got "
            f"{len(request.device)} ({' '.join(request.device)})"
        )
    model = door.model(request.model)
    phase = door.Phase(args.phase)
    layout = door.simulator_call(
        lambda: door.make_parallel(model, request.num_devices, args.tp, args.ep, args.moe_dp)
    )
    strategy = Strategy(
        layout,
        phase,
        model.is_moe,
        *phase_limits(phase, request.tpot_limit_ms, request.ttft_limit_ms),
        num_mtp_tokens=args.num_mtp_tokens,
        dcp=args.dcp,
    )
    return request.deployment(strategy, request.max_batched_tokens)


def probe_rows(deployment: door.Deployment, batch_sizes: Sequence[int]) -> list[dict[str, object]]:
    import numpy as np

    batches = np.array(batch_sizes, dtype=np.int64)
    results = door.simulator_call(lambda: door.simulator(deployment).sweep(batches)).rows()
    rows = []
    for result in results:
        row = {}
        for name in PROBE_FIELDS:
            value = getattr(result, name)
            if isinstance(value, float) and not math.isfinite(value):
                value = None
            row[name] = round(value, 6) if isinstance(value, float) else value
        rows.append(row)
    return rows


def command(args: argparse.Namespace) -> int:
    rows = probe_rows(deployment_from(args), parse_batch_spec(args.batch_size))
    if args.format == "json":
        print(to_json(rows))
    else:
        print(table([list(r.values()) for r in rows], list(PROBE_FIELDS), floatfmt=".3f"))
    return 0
