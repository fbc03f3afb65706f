"""The optimizer request: one deployment, the parallel strategies to try, and the searches to run.

This is the one type the CLI, scenario files and tests build. Each deployment field is a knob
(see ``knobs.py``): its flags, scenario key and checks are declared here and nowhere else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

from harness.errors import HarnessInputError
from harness.request import layouts
from harness.request.knobs import Declared, Kind, knob, knobs_of
from harness.request.strategy import Phase, Strategy
from simulator import BUNDLED_MODELS, DEVICES, Deployment, KVQuant, LinearQuant, Mode
from simulator.deployment import DEFAULT_MTP_ACCEPTANCE_RATES, MAX_MTP_TOKENS

DEFAULT_RESERVED_MEMORY_GB = 10.0


@dataclass(frozen=True)
class SearchRun:
    """A registered search and its parameters, as the user named them."""

    name: str
    params: dict[str, object] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, kw_only=True)
class OptimizerRequest:
    model: str = knob(
        "HF id of a bundled model, or a path to a config.json or its folder "
        "(in scenarios, relative to the file)",
        Kind.STR,
        flags=("model",),
        scenario="model",
        simulator="model",
        example="Qwen/Qwen3-32B",
        scenario_required=True,
        choices=None,
    )
    device: str = knob(
        "device profile, msmodeling's name",
        Kind.STR,
        default="TEST_DEVICE",
        flags=("--device", "--devices"),
        scenario="device",
        simulator="device",
        choices=tuple(DEVICES),
    )
    num_devices: int = knob(
        "number of devices",
        Kind.INT,
        default=1,
        flags=("--num-devices",),
        scenario="num_devices",
        simulator="num_devices",
        minimum=1,
        example=8,
        scenario_required=True,
    )
    input_length: int = knob(
        "prompt tokens per request",
        Kind.INT,
        flags=("--input-length",),
        scenario="input_length",
        simulator="input_length",
        minimum=1,
        example=3500,
        scenario_required=True,
    )
    output_length: int = knob(
        "generated tokens per request",
        Kind.INT,
        flags=("--output-length",),
        scenario="output_length",
        simulator="output_length",
        minimum=1,
        example=1500,
        scenario_required=True,
    )
    tpot_limit_ms: float | None = knob(
        "TPOT limit in ms; inf or absent for none",
        Kind.LIMIT,
        default=None,
        flags=("--tpot-limits", "--tpot-limit"),
        scenario="limits.tpot_ms",
        nullable=True,
        minimum=0,
        exclusive_minimum=True,
        example=50,
    )
    ttft_limit_ms: float | None = knob(
        "TTFT limit in ms; inf or absent for none",
        Kind.LIMIT,
        default=None,
        flags=("--ttft-limits", "--ttft-limit"),
        scenario="limits.ttft_ms",
        nullable=True,
        minimum=0,
        exclusive_minimum=True,
    )
    quantize_linear_action: str = knob(
        "linear-weight quantization",
        Kind.STR,
        default="W8A8_DYNAMIC",
        flags=("--quantize-linear-action",),
        scenario="quantization.linear",
        simulator="quantize_linear_action",
        choices=tuple(m.value for m in LinearQuant),
    )
    quantize_attention_action: str = knob(
        "KV-cache quantization",
        Kind.STR,
        default="DISABLED",
        flags=("--quantize-attention-action",),
        scenario="quantization.attention",
        simulator="quantize_attention_action",
        choices=tuple(m.value for m in KVQuant),
    )
    compile: bool = knob(
        "the fused, graph-compiled op inventory",
        Kind.BOOL,
        default=False,
        flags=("--compile",),
        scenario="compile",
        simulator="compile",
    )
    disagg: bool = knob(
        "disaggregated serving: prefill searched under the TTFT limit, decode under the TPOT limit",
        Kind.BOOL,
        default=False,
        flags=("--disagg",),
        scenario="mode",
        scenario_values={"agg": False, "disagg": True},
        per_probe=False,
    )
    reserved_memory_gb: float = knob(
        "memory kept free per device, GiB",
        Kind.NUMBER,
        default=DEFAULT_RESERVED_MEMORY_GB,
        flags=("--reserved-memory-gb",),
        scenario="reserved_memory_gb",
        simulator="reserved_memory_gb",
        minimum=0,
    )
    max_batched_tokens: int | None = knob(
        "token budget per DP replica and step; absent for auto (4x, 2x, 1x input)",
        Kind.INT,
        default=None,
        flags=("--max-batched-tokens",),
        scenario="max_batched_tokens",
        nullable=True,
        minimum=1,
    )
    tp_sizes: tuple[int, ...] | None = knob(
        "TP sizes to search; empty for powers of two up to num_devices; absent for those powers, "
        "or for num_devices alone when EP or MoE-DP sizes are given (msmodeling's rule)",
        Kind.SIZES,
        default=None,
        flags=("--tp-sizes",),
        scenario="tp_sizes",
        per_probe=False,
        nullable=True,
        minimum=1,
    )
    ep_sizes: tuple[int, ...] | None = knob(
        "EP sizes for MoE models; absent for EP = num_devices, empty for powers of two",
        Kind.SIZES,
        default=None,
        flags=("--ep-sizes",),
        scenario="ep_sizes",
        per_probe=False,
        nullable=True,
        minimum=1,
    )
    moe_dp_sizes: tuple[int, ...] | None = knob(
        "MoE-DP sizes for MoE models (experts replicated MoE-DP times, MoE-TP = N / (EP x "
        "MoE-DP)); absent for 1, empty for powers of two",
        Kind.SIZES,
        default=None,
        flags=("--moe-dp-sizes",),
        scenario="moe_dp_sizes",
        per_probe=False,
        nullable=True,
        minimum=1,
    )
    enable_shared_expert_tp: bool = knob(
        "run MoE shared experts tensor-parallel (1/TP of their width, one more all-reduce)",
        Kind.BOOL,
        default=False,
        flags=("--enable-shared-expert-tp",),
        scenario="enable_shared_expert_tp",
        simulator="shared_expert_tp",
    )
    num_mtp_tokens: tuple[int, ...] = knob(
        "MTP draft-token counts to search, 0..9 (0 disables MTP); models with MTP layers only",
        Kind.COUNTS,
        default=(0,),
        flags=("--num-mtp-tokens",),
        scenario="num_mtp_tokens",
        per_probe=False,
        minimum=0,
        maximum=MAX_MTP_TOKENS,
    )
    mtp_acceptance_rates: tuple[float, ...] = knob(
        "acceptance rate of each MTP draft token; a decode step yields 1 + the sum of the "
        "first num_mtp_tokens",
        Kind.RATES,
        default=DEFAULT_MTP_ACCEPTANCE_RATES,
        flags=("--mtp-acceptance-rates", "--mtp-acceptance-rate"),
        scenario="mtp_acceptance_rates",
        simulator="mtp_acceptance_rates",
        minimum=0,
        maximum=1,
    )
    batch_range: tuple[int, int] | None = knob(
        "MIN MAX (or MAX): search only this range, with no expansion phase",
        Kind.RANGE,
        default=None,
        flags=("--batch-range",),
        scenario="batch_range",
        per_probe=False,
        nullable=True,
        minimum=1,
    )
    searches: tuple[SearchRun, ...] = (SearchRun("exponential"), SearchRun("two_point"))

    def __post_init__(self) -> None:
        if self.batch_range is not None:
            low, high = self.batch_range
            if low < 1 or low > high:
                raise HarnessInputError(
                    f"batch_range: need 1 <= min <= max, got min={low} max={high}"
                )
        if self.disagg and self.tpot_limit_ms is None and self.ttft_limit_ms is None:
            raise HarnessInputError(
                "disagg: needs a TTFT limit (prefill phase) and/or a TPOT limit (decode phase)"
            )
        if not self.searches:
            raise HarnessInputError("search: name at least one search")

    def phases(self) -> list[Phase]:
        """agg; or in disagg mode prefill under the TTFT limit and decode under the TPOT limit."""
        if not self.disagg:
            return [Phase(Mode.AGG, self.tpot_limit_ms, self.ttft_limit_ms)]
        out = []
        if self.ttft_limit_ms is not None:
            out.append(Phase(Mode.DISAGG_PREFILL, None, self.ttft_limit_ms))
        if self.tpot_limit_ms is not None:
            out.append(Phase(Mode.DISAGG_DECODE, self.tpot_limit_ms, None))
        return out

    def strategies(self) -> list[Strategy]:
        """Every parallel strategy and phase the optimizer searches, in msmodeling's order."""
        return layouts.strategies(self)

    def deployment(self, strategy: Strategy, max_batched_tokens: int | None) -> Deployment:
        """The simulator's deployment for one strategy and token budget."""
        return layouts.deployment(self, strategy, max_batched_tokens)


@cache
def request_knobs() -> tuple[Declared, ...]:
    """The request's deployment knobs, in declaration order."""
    return tuple(knobs_of(OptimizerRequest))


def limit(value: float | None) -> float | None:
    """A limit as the request holds it: +inf means no limit."""
    if value is None or (math.isinf(value) and value > 0):
        return None
    return value


BUNDLED_MODEL_IDS = tuple(BUNDLED_MODELS)
