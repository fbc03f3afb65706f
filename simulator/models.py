"""Model configurations: bundled HF-style config.json files, looked up by HF id or path."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from simulator.config_file import ConfigFields, read_config
from simulator.errors import SimulatorInputError

CONFIG_DIR = Path(__file__).parent / "model_configs"

BUNDLED_MODELS: dict[str, str] = {
    "Qwen/Qwen3-0.6B": "qwen3_0_6b.json",
    "Qwen/Qwen3-1.7B": "qwen3_1_7b.json",
    "Qwen/Qwen3-4B": "qwen3_4b.json",
    "Qwen/Qwen3-8B": "qwen3_8b.json",
    "Qwen/Qwen3-14B": "qwen3_14b.json",
    "Qwen/Qwen3-32B": "qwen3_32b.json",
    "Qwen/Qwen3-30B-A3B": "qwen3_30b_a3b.json",
    "Qwen/Qwen3-235B-A22B": "qwen3_235b_a22b.json",
    "meta-llama/Llama-3.1-8B": "llama3_1_8b.json",
    "meta-llama/Llama-3.1-70B": "llama3_1_70b.json",
    "deepseek-ai/DeepSeek-V3": "deepseek_v3.json",
}

_SUPPORTED_TYPES = ("qwen3", "qwen3_moe", "llama", "deepseek_v3")
DEFAULT_RMS_NORM_EPS = 1e-6
"""transformers' default ``rms_norm_eps`` for every supported model type (LlamaConfig,
Qwen3Config, Qwen3MoeConfig, DeepseekV3Config): msmodeling's value when config.json has none."""


@dataclass(frozen=True)
class ModelConfig:
    name: str
    model_type: str
    hidden_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    intermediate_size: int
    vocab_size: int
    max_position_embeddings: int
    tie_word_embeddings: bool
    qk_norm: bool
    num_experts: int = 0
    experts_per_token: int = 0
    moe_intermediate_size: int = 0
    shared_experts: int = 0
    first_dense_layers: int = 0
    mtp_layers: int = 0
    sigmoid_router: bool = False
    """DeepSeek-V3 scores experts with a sigmoid over an fp32 gate (noaux_tc), not a softmax."""
    expert_groups: int = 1
    top_expert_groups: int = 1
    """noaux_tc keeps the experts of the best ``topk_group`` of ``n_group`` groups."""
    mla: MlaShape | None = None
    rms_norm_eps: float = DEFAULT_RMS_NORM_EPS

    @property
    def is_moe(self) -> bool:
        return self.num_experts > 0

    @property
    def moe_layers(self) -> int:
        """Decoder layers with routed experts; DeepSeek's first layers keep a dense MLP."""
        return max(self.num_layers - self.first_dense_layers, 0) if self.is_moe else 0

    @property
    def dense_layers(self) -> int:
        return self.num_layers - self.moe_layers

    @property
    def mtp_block_is_moe(self) -> bool:
        """An MTP block's decoder layer sits after the last layer, so it is MoE unless every
        layer keeps a dense MLP."""
        return self.is_moe and self.num_layers >= self.first_dense_layers


@dataclass(frozen=True)
class MlaShape:
    """Multi-head latent attention (DeepSeek): the HF config's low-rank projection widths."""

    q_lora_rank: int
    kv_lora_rank: int
    qk_nope_head_dim: int
    qk_rope_head_dim: int
    v_head_dim: int

    @property
    def qk_head_dim(self) -> int:
        return self.qk_nope_head_dim + self.qk_rope_head_dim

    @property
    def latent_width(self) -> int:
        """Elements one token keeps in one layer's cache: the latent KV plus the RoPE key."""
        return self.kv_lora_rank + self.qk_rope_head_dim


def load_model(model: str) -> ModelConfig:
    """A bundled model by HF id (case-insensitive), or a local config.json / its folder."""
    return _load(str(model))


@cache
def _load(model: str) -> ModelConfig:
    by_lower = {key.lower(): key for key in BUNDLED_MODELS}
    if model.lower() in by_lower:
        key = by_lower[model.lower()]
        return _from_config(key, CONFIG_DIR / BUNDLED_MODELS[key])
    path = Path(model)
    try:
        if path.is_dir():
            path = path / "config.json"
        found = path.exists()
    except OSError as error:
        raise SimulatorInputError("model", f"{model[:80]!r}: {error.strerror}") from None
    if found:
        return _from_config(str(model), path)
    raise SimulatorInputError(
        "model",
        f"unknown model {model!a} (not bundled, and no config.json there{_near(model)})",
        BUNDLED_MODELS,
    )


def _near(model: str) -> str:
    """ "; did you mean 'Qwen/Qwen3-0.6B'?" for a lookalike or a near miss of a bundled id: ids
    compared after NFKC and ASCII folding, so a Cyrillic letter does not hide the one it imitates
    (the name itself is shown with ascii(), which escapes it)."""

    def fold(text: str) -> str:
        normal = unicodedata.normalize("NFKC", text)
        return "".join(c for c in normal if c.isascii() and c.isprintable()).lower()

    by_fold = {fold(key): key for key in BUNDLED_MODELS}
    close = difflib.get_close_matches(fold(model), list(by_fold), n=1, cutoff=0.75)
    return f"; did you mean {by_fold[close[0]]!r}?" if close else ""


def _from_config(name: str, path: Path) -> ModelConfig:
    raw = read_config(path)
    fields = ConfigFields(raw, path)
    model_type = raw.get("model_type", "")
    if model_type not in _SUPPORTED_TYPES:
        raise SimulatorInputError(
            "model", f"{name}: model_type {model_type!r} is not supported yet", _SUPPORTED_TYPES
        )
    heads = fields.integer("num_attention_heads")
    hidden = fields.integer("hidden_size")
    config = ModelConfig(
        name=name,
        model_type=model_type,
        hidden_size=hidden,
        num_layers=fields.integer("num_hidden_layers"),
        num_heads=heads,
        num_kv_heads=fields.integer("num_key_value_heads", heads),
        head_dim=fields.integer("head_dim", None) or (hidden // heads if heads > 0 else 0),
        intermediate_size=fields.integer("intermediate_size"),
        vocab_size=fields.integer("vocab_size"),
        max_position_embeddings=fields.integer("max_position_embeddings", 32768),
        tie_word_embeddings=fields.boolean("tie_word_embeddings", False),
        qk_norm=model_type.startswith("qwen3"),
        num_experts=fields.integer("num_experts", 0) or fields.integer("n_routed_experts", 0),
        experts_per_token=fields.integer("num_experts_per_tok", 0),
        moe_intermediate_size=fields.integer("moe_intermediate_size", 0),
        shared_experts=fields.integer("n_shared_experts", 0),
        first_dense_layers=fields.integer("first_k_dense_replace", 0),
        mtp_layers=fields.integer("num_nextn_predict_layers", 0),
        sigmoid_router=raw.get("scoring_func") == "sigmoid",
        expert_groups=fields.integer("n_group", 0) or 1,
        top_expert_groups=fields.integer("topk_group", 0) or 1,
        mla=_mla_shape(fields),
        rms_norm_eps=fields.number("rms_norm_eps", DEFAULT_RMS_NORM_EPS),
    )
    _check_sizes(fields, config)
    return config


def _mla_shape(fields: ConfigFields) -> MlaShape | None:
    raw, path = fields.raw, fields.path
    if "kv_lora_rank" not in raw:
        return None
    if raw.get("q_lora_rank") is None:
        raise SimulatorInputError(
            "model",
            f"{path}: MLA without a query LoRA (q_lora_rank null, DeepSeek-V2-Lite style) "
            "is not supported yet",
            ["q_lora_rank >= 1"],
        )
    if fields.integer("moe_layer_freq", 1) != 1:
        raise SimulatorInputError(
            "model", f"{path}: only moe_layer_freq 1 is supported, got {raw['moe_layer_freq']}", [1]
        )
    return MlaShape(
        q_lora_rank=fields.integer("q_lora_rank"),
        kv_lora_rank=fields.integer("kv_lora_rank"),
        qk_nope_head_dim=fields.integer("qk_nope_head_dim"),
        qk_rope_head_dim=fields.integer("qk_rope_head_dim"),
        v_head_dim=fields.integer("v_head_dim"),
    )


_POSITIVE = {
    "hidden_size": "hidden_size",
    "num_layers": "num_hidden_layers",
    "num_heads": "num_attention_heads",
    "num_kv_heads": "num_key_value_heads",
    "head_dim": "head_dim",
    "intermediate_size": "intermediate_size",
    "vocab_size": "vocab_size",
    "max_position_embeddings": "max_position_embeddings",
}
"""Sizes that must be at least 1: ModelConfig's name -> the config.json key it comes from."""
_LARGEST = 2**24
"""Far past any real model's dimension; larger values only overflow the cost model."""


def _check_sizes(fields: ConfigFields, config: ModelConfig) -> None:
    sizes = {key: getattr(config, name) for name, key in _POSITIVE.items()}
    sizes.update(vars(config.mla) if config.mla is not None else {})
    for key, value in sizes.items():
        if not 1 <= value <= _LARGEST:
            fields.refuse(f"{key} must be between 1 and {_LARGEST}, got {value}")
    if config.num_heads % config.num_kv_heads:
        # Grouped-query attention shares each KV head among num_attention_heads /
        # num_key_value_heads query heads: HF's repeat_kv and vLLM's attention need a divisor.
        fields.refuse(
            f"num_key_value_heads {config.num_kv_heads} does not divide num_attention_heads "
            f"{config.num_heads}",
            [d for d in range(1, config.num_heads + 1) if config.num_heads % d == 0],
        )
    for key, value in (
        ("first_k_dense_replace", config.first_dense_layers),
        ("num_nextn_predict_layers", config.mtp_layers),
        ("n_shared_experts", config.shared_experts),
    ):
        if not 0 <= value <= _LARGEST:
            fields.refuse(f"{key} must be between 0 and {_LARGEST}, got {value}")
    if config.is_moe and not (
        1 <= config.experts_per_token <= config.num_experts and config.moe_intermediate_size >= 1
    ):
        fields.refuse(
            "an MoE model needs 1 <= num_experts_per_tok <= num_experts "
            "and moe_intermediate_size >= 1",
        )
