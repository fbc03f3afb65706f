"""The optimizer request: one deployment, the parallel strategies to try, and the searches to run.

This is the one type the CLI, scenario files and tests build, and its fields are the table of
deployment knobs (``knobs.py``): each one's kind, help and flags are declared here and nowhere
else. A knob's field name is its name everywhere, from the scenario key to the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, cached_property

from harness import door
from harness.errors import DeploymentError, HarnessInputError
from harness.request import layouts
from harness.request.kinds import Integer, Items, Limit, Number, Range, Switch, Text
from harness.request.knobs import Declared, knob, knobs_of
from harness.request.lengths import InputLength
from harness.request.strategy import Strategy

SIZES = Items(Integer(minimum=1), distinct=True)
LIMIT_COUNT = 10**8
"""The largest length or token budget: msmodeling's LIMIT_COUNT, the bound its
check_positive_integer puts on --input-length, --output-length and --max-batched-tokens
(serving_cast/service/utils.py). The simulator checks the same bound (2**63 once validated here,
then overflowed its arrays)."""


BASELINE_SEARCH = "exponential"
"""msmodeling's default search: the reference every gate, table, budget and fuzz measures
against, wherever the user lists it."""


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
        Text(),
        flags=("model",),
        example="Qwen/Qwen3-32B",
    )
    device: str = knob(
        "device profile, msmodeling's name",
        Text(door.DEVICE_NAMES),
        default="TEST_DEVICE",
        flags=("--device", "--devices"),
    )
    num_devices: int = knob(
        "number of devices", Integer(minimum=1), default=1, flags=("--num-devices",), example=8
    )
    tp_sizes: tuple[int, ...] | None = knob(
        "TP sizes to search; empty for powers of two up to num_devices; absent for those powers, "
        "or for num_devices alone when EP or MoE-DP sizes are given (msmodeling's rule)",
        SIZES,
        default=None,
        flags=("--tp-sizes",),
        nullable=True,
        searched="tp",
        label="TP",
    )
    ep_sizes: tuple[int, ...] | None = knob(
        "EP sizes for MoE models; absent for EP = num_devices, empty for powers of two",
        SIZES,
        default=None,
        flags=("--ep-sizes",),
        nullable=True,
        searched="ep",
        label="EP",
    )
    moe_dp_sizes: tuple[int, ...] | None = knob(
        "MoE-DP sizes for MoE models (experts replicated MoE-DP times, MoE-TP = N / (EP x "
        "MoE-DP)); absent for 1, empty for powers of two",
        SIZES,
        default=None,
        flags=("--moe-dp-sizes",),
        nullable=True,
        searched="moe_dp",
        label="MoE-DP",
    )
    num_mtp_tokens: tuple[int, ...] = knob(
        "MTP draft-token counts to search, 0..9 (0 disables MTP); models with MTP layers only",
        Items(Integer(minimum=0, maximum=door.MAX_MTP_TOKENS), distinct=True, non_empty=True),
        default=(0,),
        flags=("--num-mtp-tokens",),
        searched="num_mtp_tokens",
        label="MTP",
    )
    enable_shared_expert_tp: bool = knob(
        "run MoE shared experts tensor-parallel (1/TP of their width, one more all-reduce)",
        Switch(),
        default=False,
        flags=("--enable-shared-expert-tp",),
    )
    tpot_limit_ms: float | None = knob(
        "TPOT limit in ms; inf or absent for none",
        Limit(),
        default=None,
        flags=("--tpot-limit",),
        deprecated=("--tpot-limits",),
        nullable=True,
        example=50,
        draws=(None, 15.0, 20.0, 30.0, 50.0, 80.0, 150.0),
    )
    ttft_limit_ms: float | None = knob(
        "TTFT limit in ms; inf or absent for none",
        Limit(),
        default=None,
        flags=("--ttft-limit",),
        deprecated=("--ttft-limits",),
        nullable=True,
        draws=(None, None, 1000.0, 2000.0, 8000.0, 20000.0),
    )
    input_length: int | door.Lengths = knob(  # noqa: RUF009 (Lengths is frozen)
        "prompt tokens per request, or a length distribution: msmodeling's YAML file of bins "
        "(min_tokens, max_tokens, weight; in scenarios, relative to the file) or the bins "
        "inline as {bins: [...]}; agg and disagg prefill only",
        InputLength(maximum=LIMIT_COUNT),
        flags=("--input-length",),
        example=3500,
        draws=(64, 128, 512, 1024, 2048, 3500, 8000),
    )
    output_length: int = knob(
        "generated tokens per request",
        Integer(minimum=1, maximum=LIMIT_COUNT),
        flags=("--output-length",),
        example=1500,
        draws=(16, 128, 256, 1000, 1500, 4000),
    )
    prefix_cache_hit_rate: float = knob(
        "share of each prompt's tokens served from the prefix cache, in [0, 1): prefill "
        "computes input - floor(input x rate) tokens; decode attends over the whole prompt",
        Number(minimum=0, below=1),
        default=0.0,
        flags=("--prefix-cache-hit-rate",),
        draws=(0.0, 0.0, 0.0, 0.25, 0.5, 0.9),
    )
    compile: bool = knob(
        "the fused, graph-compiled op inventory", Switch(), default=False, flags=("--compile",)
    )
    disagg: bool = knob(
        "disaggregated serving: prefill searched under the TTFT limit, decode under the TPOT limit",
        Switch(),
        default=False,
        flags=("--disagg",),
        deployment=False,
    )
    serving_cost_ms: float = knob(
        "fixed latency in ms added to each disaggregated phase (prefill TTFT, decode step "
        "before the MTP fold); agg ignores it, as msmodeling does",
        Number(minimum=0),
        default=0.0,
        flags=("--serving-cost",),
        draws=(0.0, 0.0, 0.0, 2.0, 20.0),
    )
    quantize_linear_action: str = knob(
        "linear-weight quantization",
        Text(door.LINEAR_QUANTIZATIONS),
        default="W8A8_DYNAMIC",
        flags=("--quantize-linear-action",),
        draws=("W8A8_DYNAMIC", "W8A8_DYNAMIC", "DISABLED", "W4A8_DYNAMIC"),
    )
    quantize_attention_action: str = knob(
        "KV-cache quantization",
        Text(door.KV_QUANTIZATIONS),
        default="DISABLED",
        flags=("--quantize-attention-action",),
        draws=("DISABLED", "DISABLED", "INT8"),
    )
    reserved_memory_gb: float = knob(
        "memory kept free per device, GiB",
        Number(minimum=0),
        default=door.DEFAULT_RESERVED_MEMORY_GB,
        flags=("--reserved-memory-gb",),
    )
    max_batched_tokens: int | None = knob(
        "token budget per DP replica and step; absent for auto (4x, 2x, 1x input); below the "
        "input, prefill is chunked into at most 256 chunks",
        Integer(minimum=1, maximum=LIMIT_COUNT),
        default=None,
        flags=("--max-batched-tokens",),
        nullable=True,
    )
    mtp_acceptance_rates: tuple[float, ...] = knob(
        "acceptance rate of each MTP draft token; a decode step yields 1 + the sum of the "
        "first num_mtp_tokens",
        Items(Number(minimum=0, maximum=1), non_empty=True),
        default=door.DEFAULT_MTP_ACCEPTANCE_RATES,
        flags=("--mtp-acceptance-rates",),
        deprecated=("--mtp-acceptance-rate",),
    )
    batch_range: tuple[int, int] | None = knob(
        "MIN MAX (or MAX): search only this range, with no expansion phase",
        Range(),
        default=None,
        flags=("--batch-range",),
        nullable=True,
        deployment=False,
    )
    searches: tuple[SearchRun, ...] = (SearchRun(BASELINE_SEARCH), SearchRun("two_point"))

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
        # cli/inference/throughput_optimizer.py: "--input-length FILE currently supports
        # aggregation runs or disaggregation prefill-only runs with --ttft-limit and without
        # --tpot-limit." (PD-ratio optimization refuses a distribution there too.)
        prefill_only = self.ttft_limit_ms is not None and self.tpot_limit_ms is None
        if isinstance(self.input_length, door.Lengths) and self.disagg and not prefill_only:
            raise DeploymentError(
                "input_length",
                "a length distribution is served in agg, or in disagg prefill only "
                "(a TTFT limit and no TPOT limit), as msmodeling's",
            )
        if not self.searches:
            raise HarnessInputError("search: name at least one search")
        for name in ("tp_sizes", "ep_sizes", "moe_dp_sizes"):
            sizes = getattr(self, name)
            if sizes is not None and len(sizes) > self.num_devices:
                raise DeploymentError(
                    name,
                    f"{len(sizes):,} sizes for num_devices={self.num_devices}; sizes are "
                    f"distinct and from 1 to num_devices, so at most {self.num_devices}",
                )

    @property
    def prefill_length(self) -> int:
        """The prompt length msmodeling's automatic budgets scale: the input, or a
        distribution's mean prefill length (get_auto_max_batched_tokens_candidates)."""
        if isinstance(self.input_length, door.Lengths):
            return self.input_length.effective_length(self.prefix_cache_hit_rate)
        return self.input_length

    @property
    def reference(self) -> SearchRun:
        """The search the others are measured against: the baseline search if it is listed,
        else the first."""
        return next((s for s in self.searches if s.name == BASELINE_SEARCH), self.searches[0])

    @property
    def searches_in_run_order(self) -> tuple[SearchRun, ...]:
        """The reference first (the others' probe budgets follow from it), then the rest."""
        reference = self.reference
        return (reference, *(s for s in self.searches if s is not reference))

    def phases(self) -> list[door.Phase]:
        """agg; or in disagg mode prefill (if there is a TTFT limit) and decode (a TPOT limit)."""
        if not self.disagg:
            return [door.Phase.AGG]
        out = []
        if self.ttft_limit_ms is not None:
            out.append(door.Phase.PREFILL)
        if self.tpot_limit_ms is not None:
            out.append(door.Phase.DECODE)
        return out

    @staticmethod
    def knobs() -> tuple[Declared, ...]:
        """The deployment knobs, in declaration order."""
        return request_knobs()

    @cached_property
    def strategy_list(self) -> tuple[Strategy, ...]:
        return tuple(layouts.strategies(self))

    def strategies(self) -> list[Strategy]:
        """Every parallel strategy and phase the optimizer searches, in msmodeling's order."""
        return list(self.strategy_list)

    def deployment(self, strategy: Strategy, max_batched_tokens: int | None) -> door.Deployment:
        """The simulator's deployment for one strategy and token budget."""
        return layouts.deployment(self, strategy, max_batched_tokens)


@cache
def request_knobs() -> tuple[Declared, ...]:
    """The request's deployment knobs, in declaration order."""
    return tuple(knobs_of(OptimizerRequest))


BUNDLED_MODEL_IDS = door.BUNDLED_MODEL_IDS
