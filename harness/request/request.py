"""The optimizer request: one deployment, the parallel strategies to try, and the searches to run.

This is the one type the CLI, scenario files and tests build, and its fields are the table of
deployment knobs (``knobs.py``): each one's kind, help and flags are declared here and nowhere
else. A knob's field name is its name everywhere, from the scenario key to the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from harness import door
from harness.request.draft_knobs import draft_knob as _draft
from harness.request.kinds import Integer, Items, Limit, Number, OneOrMore, Range, Switch, Text
from harness.request.knobs import Declared, knob, knobs_of
from harness.request.lengths import InputLength
from harness.request.rules import BASELINE_SEARCH, RequestRules, SearchRun

SIZES = Items(Integer(minimum=1), distinct=True)
LIMIT_COUNT = 10**8
"""msmodeling's LIMIT_COUNT, its check_positive_integer's bound on lengths and token budgets
(serving_cast/service/utils.py); the simulator checks it too (2**63 overflowed its arrays)."""


DEFAULT_MAX_SEARCH_COMBINATIONS = 100
"""msmodeling's DEFAULT_MAX_SEARCH_COMBINATIONS (serving_cast/service/utils.py)."""


@dataclass(frozen=True, kw_only=True)
class OptimizerRequest(RequestRules):
    """The knob table; what a request means beyond it (checks, phases, strategies, the
    reference search) is ``RequestRules``."""

    model: str = knob(
        "HF id of a bundled model, or a path to a config.json or its folder "
        "(in scenarios, relative to the file)",
        Text(),
        flags=("model",),
        example="Qwen/Qwen3-32B",
    )
    device: tuple[str, ...] = knob(
        "device profile, msmodeling's name; several search every strategy on each profile and "
        "add msmodeling's cross-hardware summary (in a file, also spelled devices)",
        OneOrMore(Text(door.DEVICE_NAMES)),
        default=("TEST_DEVICE",),
        flags=("--device", "--devices"),
        aliases=("devices",),
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
    speculative_method: str | None = knob(
        "draft speculative decoding (dflash, or dspark: the draft with its Markov and "
        "confidence heads); not with MTP",
        Text(door.SPECULATIVE_METHODS), default=None, flags=("--speculative-method",),
        nullable=True, draws=(None, None, None, None, None, None, "dflash", "dspark"),
    )  # fmt: skip
    num_speculative_tokens: int | None = _draft("draft tokens per block (block = this + 1); "
        "absent or 0 for the draft config's block_size (8)", Integer(), "tokens")  # fmt: skip
    acceptance_length: float | None = _draft("accepted drafts per decode step (a step yields "
        "this + 1); absent: 5.0; clamped to [0, block - 1] (dspark: [0, block])", Number(),
        "acceptance")  # fmt: skip
    num_draft_layers: int | None = _draft("draft decoder layers; absent or 0 for the draft "
        "config's", Integer(), "layers")  # fmt: skip
    draft_model_config_path: str | None = _draft("a draft config.json or its folder; absent "
        "for msmodeling's builtin", Text(), "config")  # fmt: skip
    dspark_markov_rank: int | None = _draft("DSpark's Markov rank, 0 for no Markov head (256)",
        Integer(minimum=0), "rank")  # fmt: skip
    dspark_markov_head: str | None = _draft("DSpark's Markov head (vanilla)",
        Text(door.MARKOV_HEADS), "head", draws=(None, "gated", "rnn"))  # fmt: skip
    dcp_sizes: tuple[int, ...] | None = knob(
        "decode context parallel sizes to search: the KV cache split over DCP ranks of each TP "
        "group, decode only, DCP dividing TP; absent for 1, empty for powers of two",
        SIZES,
        default=None,
        flags=("--dcp-sizes",),
        nullable=True,
        searched="dcp",
        label="DCP",
    )
    max_search_combinations: int = knob(
        "warn (on stderr, as msmodeling does) above this many TP x EP x MoE-DP x MTP x DCP "
        "combinations; 0 never warns",
        Integer(minimum=0),
        default=DEFAULT_MAX_SEARCH_COMBINATIONS,
        flags=("--max-search-combinations",),
        deployment=False,
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
        "prompt tokens per request, or a length distribution: msmodeling's YAML of bins (a file, "
        "in scenarios relative to it, or inline {bins: [...]}); agg and disagg prefill only",
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
    pd_ratio: bool = knob(
        "PD-ratio mode: prefill instances searched on prefill_devices each, decode instances on "
        "decode_devices each, their rows cross-joined (pd_ratio = decode QPS / prefill QPS) and "
        "the instances split within num_devices; needs a TTFT limit",
        Switch(),
        default=False,
        flags=("--enable-optimize-prefill-decode-ratio",),
        deployment=False,
        section="pd_ratio",
    )
    prefill_devices: int | None = knob(
        "devices per prefill instance (PD-ratio mode)",
        Integer(minimum=1),
        default=None,
        flags=("--prefill-devices-per-instance",),
        nullable=True,
        deployment=False,
        section="pd_ratio",
        example=4,
    )
    decode_devices: int | None = knob(
        "devices per decode instance (PD-ratio mode)",
        Integer(minimum=1),
        default=None,
        flags=("--decode-devices-per-instance",),
        nullable=True,
        deployment=False,
        section="pd_ratio",
        example=8,
    )
    quantize_linear_action: str = knob(
        "linear-weight quantization",
        Text(door.LINEAR_QUANTIZATIONS),
        default="W8A8_DYNAMIC",
        flags=("--quantize-linear-action",),
        draws=("W8A8_DYNAMIC", "W8A8_DYNAMIC", "DISABLED", "W4A8_DYNAMIC", "MXFP4"),
    )
    quantize_non_expert_linear_action: str = knob(
        "quantization of the non-expert linears (attention, dense MLP, shared experts); "
        "DISABLED for the linear action's (routed experts keep the linear action)",
        Text(door.LINEAR_QUANTIZATIONS),
        default="DISABLED",
        flags=("--quantize-non-expert-linear-action",),
        draws=("DISABLED", "DISABLED", "DISABLED", "FP8", "W8A8_DYNAMIC", "MXFP4"),
    )
    mxfp4_group_size: int = knob(
        "MXFP4 block size along K (one E8M0 scale per block)",
        Integer(minimum=1, maximum=LIMIT_COUNT),
        default=door.DEFAULT_MXFP4_GROUP_SIZE,
        flags=("--mxfp4-group-size",),
        draws=(32, 32, 16, 64, 48),
    )
    word_embedding_tp: str | None = knob(
        "shard the token embedding over TP: col (hidden columns, all-gather) or row (vocab "
        "rows, all-reduce); absent for a whole embedding per rank",
        Text(door.WORD_EMBEDDING_TP_MODES),
        default=None,
        flags=("--word-embedding-tp",),
        nullable=True,
        draws=(None, None, "col", "row"),
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


@cache
def request_knobs() -> tuple[Declared, ...]:
    """The request's deployment knobs, in declaration order."""
    return tuple(knobs_of(OptimizerRequest))


BUNDLED_MODEL_IDS = door.BUNDLED_MODEL_IDS
