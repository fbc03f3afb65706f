"""msmodeling's draft speculative decoding (84fec85: ``--speculative-method``), resolved.

A Qwen3-style dense GQA draft model runs beside the target in every forward (prefill and
decode), beside an MLA target too (DeepSeek-V3: msmodeling skips its MLA patches under
``draft.*`` and gives it GQA caches of its own). Its structure comes from a draft
``config.json`` (msmodeling's builtin
``tensor_cast/runtime_configs/draft_configs/dflash_draft_builtin.json``, bundled here as
``model_configs/dflash_draft.json``); ``hidden_size`` and ``vocab_size`` are always the target's.
A decode step feeds a block of ``block`` tokens per request (the anchor and ``block - 1``
drafts) and yields ``acceptance_length + 1`` tokens (``base_throughput_optimizer.
_fold_decode_latency_ms``). DSpark (``tensor_cast/layers/dspark.py``) is the same draft with
a Markov head (``markov_rank`` > 0: vanilla, gated or rnn) and a confidence head, run once per
block slot in a decode step; it proposes every slot, so its acceptance clamps to ``block``
(DFlash's to ``block - 1``). The CLI's checks are ``cli/utils.py``'s
(``validate_draft_spec_cli_args``, ``resolve_num_speculative_tokens_to_block``,
``clamp_acceptance_length``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from simulator.errors import SimulatorInputError
from simulator.models import CONFIG_DIR, ModelConfig

METHODS = ("dflash", "dspark")
MODELLED_METHODS = ("dflash", "dspark")
MARKOV_HEADS = ("vanilla", "gated", "rnn")
DEFAULT_ACCEPTANCE_LENGTH = 5.0  # msmodeling's --acceptance-length default
DEFAULT_MARKOV_RANK = 256  # msmodeling's --dspark-markov-rank default
DEFAULT_BLOCK = 8  # resolve_num_speculative_tokens_to_block: a block below 2 falls back to 8
DRAFT_CONFIG = CONFIG_DIR / "dflash_draft.json"


@dataclass(frozen=True)
class Draft:
    """The draft model and its block, per msmodeling's ``DflashDraftModel``."""

    method: str
    block: int
    acceptance_length: float
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate_size: int
    aux_layers: int
    """Target layers whose hidden states feed the draft (``target_layer_ids``): ``fc`` reads
    ``aux_layers x hidden`` per token."""
    markov_rank: int = 0
    """DSpark's Markov rank (0: no Markov head; always 0 for DFlash)."""
    markov_head: str = "vanilla"
    """DSpark's Markov head: ``vanilla``, ``gated`` or ``rnn``."""

    @property
    def is_dspark(self) -> bool:
        return self.method == "dspark"

    @property
    def tokens_per_step(self) -> float:
        return self.acceptance_length + 1.0


OPTIONS = (
    "speculative_method",
    "num_speculative_tokens",
    "acceptance_length",
    "num_draft_layers",
    "draft_model_config_path",
    "dspark_markov_rank",
    "dspark_markov_head",
)
"""``Deployment.create``'s speculative-decoding fields, msmodeling's flags' names."""


def resolve_draft(
    model: ModelConfig, options: dict, num_mtp_tokens: int, compile, budget, prefill, dcp
) -> Draft | None:
    chunked = budget is not None and budget < prefill
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise TypeError(f"Deployment.create() got an unexpected keyword argument {unknown[0]!r}")
    method = options.get("speculative_method")
    num_speculative_tokens = options.get("num_speculative_tokens")
    acceptance_length = options.get("acceptance_length")
    num_draft_layers = options.get("num_draft_layers")
    draft_model_config_path = options.get("draft_model_config_path")
    if method is None:
        return None
    if method not in METHODS:
        raise SimulatorInputError("speculative_method", f"unknown method {method!r}", METHODS)
    if method not in MODELLED_METHODS:
        raise SimulatorInputError(
            "speculative_method", f"{method} is not modelled yet", list(MODELLED_METHODS)
        )
    if num_mtp_tokens:
        # cli/utils.py validate_draft_spec_cli_args: "Dflash and MTP are mutually exclusive".
        raise SimulatorInputError(
            "num_mtp_tokens", "speculative decoding and MTP are mutually exclusive", [0]
        )
    if compile and (model.is_moe or model.mla is not None):
        # Calibrated compiled beside a dense GQA target only (Qwen3-8B, TP=2).
        raise SimulatorInputError(
            "compile",
            "a compiled draft is modelled beside dense GQA targets only (MoE or MLA: eager)",
            [False],
        )
    source = _load(draft_model_config_path)
    accept = DEFAULT_ACCEPTANCE_LENGTH if acceptance_length is None else acceptance_length
    n, layers = num_speculative_tokens or 0, num_draft_layers or 0
    draft = _draft(model, method, source, n, accept, layers)
    _check_modes(prefill, chunked, dcp, draft.block)
    if method == "dspark":
        draft = _with_markov(draft, options)
        if compile and draft.markov_rank > 0 and draft.markov_head != "vanilla":
            # Only the vanilla head is traced compiled (record qwen3-8b-2x-dspark-compiled).
            raise SimulatorInputError(
                "dspark_markov_head",
                f"a compiled DSpark draft is modelled with the vanilla head only, got "
                f"{draft.markov_head!r}",
                ["vanilla"],
            )
    return draft


def _with_markov(draft: Draft, options: dict) -> Draft:
    """DSpark's heads (``tensor_cast/model_config.py`` ``DsparkConfig``: rank >= 0, 0 disables
    the Markov head; the head one of vanilla/gated/rnn; the confidence head always on)."""
    rank = options.get("dspark_markov_rank")
    rank = DEFAULT_MARKOV_RANK if rank is None else rank
    head = options.get("dspark_markov_head") or "vanilla"
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 0:
        raise SimulatorInputError(
            "dspark_markov_rank", f"must be a whole number >= 0, got {rank!r}", [">= 0"]
        )
    if head not in MARKOV_HEADS:
        raise SimulatorInputError("dspark_markov_head", f"unknown head {head!r}", MARKOV_HEADS)
    return replace(draft, markov_rank=rank, markov_head=head)


def _check_modes(prefill: int, chunked: bool, dcp: int, block: int) -> None:
    if chunked:
        raise SimulatorInputError(
            "max_batched_tokens", "speculative decoding with chunked prefill is not modelled yet"
        )
    if dcp > 1:
        raise SimulatorInputError("dcp", "DCP with speculative decoding is not modelled yet", [1])
    if prefill <= block:
        # A decode step's query is the block; a prefill as short is not told apart from it.
        raise SimulatorInputError(
            "input_length",
            f"a prefill of {prefill} tokens is not longer than the draft block",
            [f"> {block}"],
        )


def _draft(model, method, source, n, acceptance, layers) -> Draft:
    block = int(source.get("block_size") or DEFAULT_BLOCK)
    block = block if block >= 2 else DEFAULT_BLOCK
    if n > 0:
        block = n + 1
    layers = layers if layers > 0 else int(source.get("num_hidden_layers") or 1)
    ids = list((source.get("dflash_config") or {}).get("target_layer_ids") or [])
    if not ids:
        raise SimulatorInputError(
            "draft_model_config_path", "the draft config needs dflash_config.target_layer_ids"
        )
    if max(ids) >= model.num_layers:
        # tensor_cast/layers/dflash.py build_dflash_draft_and_wrapper refuses the same.
        raise SimulatorInputError(
            "draft_model_config_path",
            f"target_layer_ids max={max(ids)} out of range for {model.name}'s "
            f"{model.num_layers} layers",
            [f"< {model.num_layers}"],
        )
    heads = int(source.get("num_attention_heads", model.num_heads))
    top = float(block if method == "dspark" else block - 1)
    return Draft(
        method=method,
        block=block,
        acceptance_length=min(max(float(acceptance), 0.0), top),
        layers=layers,
        heads=heads,
        kv_heads=int(source.get("num_key_value_heads", heads)),
        head_dim=int(source.get("head_dim", model.hidden_size // heads)),
        intermediate_size=int(source.get("intermediate_size", model.intermediate_size)),
        aux_layers=len(ids),
    )


def label(method: str | None, tokens: int | None, acceptance: float | None, path, rank) -> str:
    """msmodeling's ``format_parallel_label`` suffix (``serving_cast/service/utils.py``):
    ``DFlash=8/acc=5``, ``DSpark=8/acc=5/markov=256``; empty without a method (or a config that
    does not load, which the deployment then refuses)."""
    if method not in METHODS:
        return ""
    try:
        source = _load(path)
    except SimulatorInputError:
        return ""
    block = int(source.get("block_size") or DEFAULT_BLOCK)
    block = (tokens + 1) if tokens and tokens > 0 else (block if block >= 2 else DEFAULT_BLOCK)
    top = block if method == "dspark" else block - 1
    accept = DEFAULT_ACCEPTANCE_LENGTH if acceptance is None else float(acceptance)
    accept = min(max(accept, 0.0), float(top))
    shown = int(accept) if accept == int(accept) else accept
    if method == "dspark":
        return f"DSpark={block}/acc={shown}/markov={DEFAULT_MARKOV_RANK if rank is None else rank}"
    return f"DFlash={block}/acc={shown}"


def _load(path: str | None) -> dict:
    file = DRAFT_CONFIG if path is None else Path(path)
    if file.is_dir():
        file = file / "config.json"
    try:
        return json.loads(file.read_text())
    except (OSError, ValueError) as error:
        raise SimulatorInputError(
            "draft_model_config_path", f"cannot read a draft config.json at {path}: {error}"
        ) from None
