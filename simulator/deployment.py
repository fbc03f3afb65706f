"""A deployment: everything one probe needs except the batch size."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from simulator.checks import check_limits, check_mtp, check_serving, positive_int
from simulator.dcp import check_dcp, check_dcp_modes
from simulator.devices import DeviceProfile, get_device
from simulator.errors import SimulatorInputError
from simulator.lengths import Lengths, check_modes_of, check_served, prefill_length
from simulator.linears import (
    DEFAULT_MXFP4_GROUP_SIZE,
    Linears,
    WordEmbeddingTP,
    check_linears,
    resolve_linears,
)
from simulator.models import ModelConfig, load_model
from simulator.parallel import ParallelConfig, make_parallel
from simulator.quantization import KVQuant, LinearQuant, parse_kv_quant
from simulator.speculative import OPTIONS as SPECULATIVE_OPTIONS
from simulator.speculative import Draft, resolve_draft

AUTO_MAX_BATCHED_TOKENS_FACTORS = (4, 2, 1)
MAX_COUNT = 10**8
"""msmodeling's LIMIT_COUNT (serving_cast/service/utils.py): check_positive_integer refuses
larger --input-length, --output-length and --max-batched-tokens values. The simulator's arrays
hold batch x length products far past it in int64, where 2**63 overflowed."""
MAX_BUDGET = AUTO_MAX_BATCHED_TOKENS_FACTORS[0] * MAX_COUNT
"""The largest automatic budget (4 x the longest input)."""
MAX_PREFILL_CHUNKS = 256
"""Chunks a prompt may be split into. The chunked replay steps the schedule chunk by chunk for
every request (``max_batched_tokens: 1`` on a 1024-token prompt never finished); msmodeling's
latency-table RFC (docs/RFC/rfc_chunked_prefill_latency_table_optimization_zh.md) plans for 128
chunks (a 128k prompt with a 1k budget), and this leaves twice that."""
DEFAULT_MTP_ACCEPTANCE_RATES = (0.9, 0.6, 0.4, 0.2)  # msmodeling's --mtp-acceptance-rates
DEFAULT_RESERVED_MEMORY_GB = 10.0


class Phase(str, Enum):
    """What a deployment serves: both phases on every device (agg), or one phase of
    disaggregated serving (prefill or decode)."""

    AGG = "agg"
    PREFILL = "prefill"
    DECODE = "decode"


@dataclass(frozen=True)
class Deployment:
    model: ModelConfig
    device: DeviceProfile
    num_devices: int
    parallel: ParallelConfig
    input_length: int | Lengths
    """Prompt tokens per request, or a length distribution (``lengths.py``)."""
    output_length: int
    quantize_linear_action: LinearQuant = LinearQuant.W8A8_DYNAMIC
    quantize_attention_action: KVQuant = KVQuant.DISABLED
    compile: bool = False
    reserved_memory_gb: float = DEFAULT_RESERVED_MEMORY_GB
    max_batched_tokens: int | None = None
    phase: Phase = Phase.AGG
    tpot_limit_ms: float | None = None
    ttft_limit_ms: float | None = None
    enable_shared_expert_tp: bool = False
    num_mtp_tokens: int = 0
    mtp_acceptance_rates: tuple[float, ...] = DEFAULT_MTP_ACCEPTANCE_RATES
    prefix_cache_hit_rate: float = 0.0
    serving_cost_ms: float = 0.0
    dcp: int = 1
    """Decode context parallel ranks within each TP group (``simulator/dcp.py``)."""
    quantize_non_expert_linear_action: LinearQuant = LinearQuant.DISABLED
    mxfp4_group_size: int = DEFAULT_MXFP4_GROUP_SIZE
    word_embedding_tp: WordEmbeddingTP | None = None
    speculative_method: str | None = None
    num_speculative_tokens: int | None = None
    acceptance_length: float | None = None
    num_draft_layers: int | None = None
    draft_model_config_path: str | None = None
    dspark_markov_rank: int | None = None
    dspark_markov_head: str | None = None
    draft: Draft | None = None  # the resolved draft model (simulator/speculative.py)

    @property
    def prefill_length(self) -> int:
        """Prompt tokens a prefill computes (its query and sequence); decode sees the whole.
        A distribution's is the mean over its representatives (msmodeling's)."""
        return prefill_length(self.input_length, self.prefix_cache_hit_rate)

    @property
    def linears(self) -> Linears:
        """The quantization of the routed experts and of the non-expert linears."""
        return resolve_linears(
            self.quantize_linear_action,
            self.quantize_non_expert_linear_action,
            self.mxfp4_group_size,
        )

    @property
    def lengths(self) -> Lengths | None:
        """The length distribution, where the prompts have one."""
        return self.input_length if isinstance(self.input_length, Lengths) else None

    @property
    def decode_prompt_length(self) -> int:
        """The prompt a decode step attends over: the whole prompt; with a distribution,
        msmodeling's agg uses the mean prefill length (get_effective_input_length)."""
        return self.prefill_length if self.lengths else self.input_length

    @property
    def decode_query_len(self) -> int:
        """Tokens a request feeds a decode step: 1 + its MTP drafts, or its draft block."""
        return self.draft.block if self.draft else 1 + self.num_mtp_tokens

    @property
    def tokens_per_decode_step(self) -> float:
        """msmodeling's fold: 1 + the MTP rates summed, or 1 + the acceptance length."""
        if self.draft:
            return self.draft.tokens_per_step
        return 1.0 + sum(self.mtp_acceptance_rates[: self.num_mtp_tokens])

    @property
    def forward_key(self) -> tuple:
        """What a forward's op inventory depends on: deployments equal in it share one."""
        return (
            self.model,
            self.device,
            self.parallel,
            self.quantize_linear_action,
            self.quantize_attention_action,
            self.compile,
            self.enable_shared_expert_tp,
            self.num_mtp_tokens,
            self.dcp,
            self.quantize_non_expert_linear_action,
            self.mxfp4_group_size,
            self.word_embedding_tp,
            self.draft,
        )

    @property
    def tp(self) -> int:
        return self.parallel.tp

    @property
    def dp(self) -> int:
        return self.parallel.dp

    @property
    def ep(self) -> int:
        return self.parallel.ep

    @property
    def moe_dp(self) -> int:
        return self.parallel.moe_dp

    @property
    def effective_max_batched_tokens(self) -> int:
        """Per-DP-replica token budget; auto starts at 4x input (the optimizer retries 2x, 1x)."""
        if self.max_batched_tokens is not None:
            return self.max_batched_tokens
        if isinstance(self.input_length, Lengths):
            # get_auto_max_batched_tokens_candidates: a distribution has no single raw
            # input length, so the factors scale the mean prefill length.
            return AUTO_MAX_BATCHED_TOKENS_FACTORS[0] * self.prefill_length
        return AUTO_MAX_BATCHED_TOKENS_FACTORS[0] * self.input_length

    @classmethod
    def create(
        cls,
        model: str | ModelConfig,
        *,
        device: str | DeviceProfile = "TEST_DEVICE",
        num_devices: int = 1, tp: int = 1, ep: int | None = None, moe_dp: int = 1,
        input_length: int | Lengths, output_length: int,
        quantize_linear_action: str | LinearQuant = LinearQuant.W8A8_DYNAMIC,
        quantize_attention_action: str | KVQuant = KVQuant.DISABLED, compile: bool = False,
        reserved_memory_gb: float = DEFAULT_RESERVED_MEMORY_GB,
        max_batched_tokens: int | None = None,
        phase: str | Phase = Phase.AGG,
        tpot_limit_ms: float | None = None, ttft_limit_ms: float | None = None,
        enable_shared_expert_tp: bool = False,
        num_mtp_tokens: int = 0,
        mtp_acceptance_rates: tuple[float, ...] = DEFAULT_MTP_ACCEPTANCE_RATES,
        prefix_cache_hit_rate: float = 0.0,
        serving_cost_ms: float = 0.0,
        dcp: int = 1,
        quantize_non_expert_linear_action: str | LinearQuant = LinearQuant.DISABLED,
        mxfp4_group_size: int = DEFAULT_MXFP4_GROUP_SIZE,
        word_embedding_tp: str | WordEmbeddingTP | None = None,
        speculative_method: str | None = None, num_speculative_tokens: int | None = None,
        acceptance_length: float | None = None, num_draft_layers: int | None = None,
        draft_model_config_path: str | None = None, dspark_markov_rank: int | None = None,
        dspark_markov_head: str | None = None,
    ) -> Deployment:  # fmt: skip
        """Validate names and numbers into a Deployment; every error names its field."""
        model_config = model if isinstance(model, ModelConfig) else load_model(model)
        profile = device if isinstance(device, DeviceProfile) else get_device(device)
        _check_sizes(profile, num_devices, input_length, output_length, reserved_memory_gb)
        phase = _phase(phase)
        check_serving(prefix_cache_hit_rate, serving_cost_ms)
        prefill = prefill_length(input_length, prefix_cache_hit_rate)
        budget = _check_budget(max_batched_tokens, input_length, prefill, phase, num_mtp_tokens)
        rates = check_mtp(model_config, num_mtp_tokens, mtp_acceptance_rates)
        linear_fields = check_linears(
            model_config, bool(compile), quantize_linear_action,
            quantize_non_expert_linear_action, mxfp4_group_size, word_embedding_tp,
        )  # fmt: skip
        check_limits(tpot_limit_ms, ttft_limit_ms)
        parallel = make_parallel(model_config, num_devices, tp, ep, moe_dp)
        dcp = check_dcp(model_config, parallel.tp, dcp, phase is not Phase.PREFILL)
        check_dcp_modes(dcp, budget, prefill, num_mtp_tokens)
        check_modes_of(input_length, dcp, speculative_method)
        modes = (num_mtp_tokens, bool(compile), budget, prefill, dcp)
        given = locals()
        speculative = {name: given[name] for name in SPECULATIVE_OPTIONS}
        draft = resolve_draft(model_config, speculative, *modes)
        return cls(
            model=model_config, device=profile, num_devices=num_devices, parallel=parallel,
            input_length=input_length, output_length=output_length,
            quantize_attention_action=parse_kv_quant(quantize_attention_action),
            compile=bool(compile), reserved_memory_gb=float(reserved_memory_gb),
            max_batched_tokens=max_batched_tokens, phase=phase, tpot_limit_ms=tpot_limit_ms,
            ttft_limit_ms=ttft_limit_ms, enable_shared_expert_tp=bool(enable_shared_expert_tp),
            num_mtp_tokens=num_mtp_tokens, mtp_acceptance_rates=rates,
            prefix_cache_hit_rate=float(prefix_cache_hit_rate), **speculative,
            serving_cost_ms=float(serving_cost_ms), dcp=dcp, **linear_fields, draft=draft,
        )  # fmt: skip


def _check_sizes(
    profile: DeviceProfile, num_devices: int, input_length, output_length, reserved_memory_gb
) -> None:
    if num_devices < 1:
        raise SimulatorInputError("num_devices", f"must be at least 1, got {num_devices}")
    if num_devices > profile.grid.size:
        raise SimulatorInputError(
            "num_devices",
            f"{num_devices} exceeds the {profile.grid.size}-device grid of {profile.name}",
            [f"1..{profile.grid.size}"],
        )
    if not isinstance(input_length, Lengths):
        positive_int("input_length", input_length, MAX_COUNT)
    positive_int("output_length", output_length, MAX_COUNT)
    if not (0 <= reserved_memory_gb < float("inf")):
        raise SimulatorInputError(
            "reserved_memory_gb", f"must be a number >= 0, got {reserved_memory_gb}"
        )


def _phase(value: str | Phase) -> Phase:
    try:
        return Phase(value)
    except ValueError:
        raise SimulatorInputError(
            "phase", f"unknown phase {value!r}", [p.value for p in Phase]
        ) from None


def _check_budget(max_batched_tokens, input_length, prefill: int, phase, mtp):
    """The budget prefill runs under (None in disagg decode, which runs no prefill, and where
    msmodeling ignores it). Below the prompt's prefill length (after the prefix cache, as
    msmodeling's chunk plan splits it) it means chunked prefill: agg without MTP, or disagg
    prefill. A distribution's chunks mix requests (``phases/mixed.py``), in agg and disagg
    prefill alike."""
    if isinstance(input_length, Lengths):
        check_served(input_length, phase is Phase.DECODE, MAX_COUNT)
    if max_batched_tokens is None:
        return None
    positive_int("max_batched_tokens", max_batched_tokens, MAX_BUDGET)
    if phase is Phase.DECODE:
        return None
    if isinstance(input_length, Lengths) or prefill <= max_batched_tokens:
        return max_batched_tokens
    what = f"input_length {input_length}"
    if prefill != input_length:
        what = f"the prefill length {prefill} ({what} less its cached prefix)"
    if mtp and phase is Phase.AGG:
        why = "MTP with chunked prefill in agg (max_batched_tokens below input_length)"
        raise SimulatorInputError("num_mtp_tokens", f"{why} is not modelled yet", [0])
    chunks = -(-prefill // max_batched_tokens)
    if chunks > MAX_PREFILL_CHUNKS:
        least = -(-prefill // MAX_PREFILL_CHUNKS)
        raise SimulatorInputError(
            "max_batched_tokens",
            f"{max_batched_tokens} splits {what} into {chunks:,} prefill "
            f"chunks; the chunked replay steps through at most {MAX_PREFILL_CHUNKS}",
            [f">= {least}"],
        )
    return max_batched_tokens
