"""Model configurations: bundled HF-style config.json files, looked up by HF id or path."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

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
        found = path.is_file()
    except OSError as error:
        raise SimulatorInputError("model", f"{model[:80]!r}: {error.strerror}") from None
    if found:
        return _from_config(str(model), path)
    raise SimulatorInputError(
        "model", f"unknown model {model!r} (not bundled, and no config.json there)", BUNDLED_MODELS
    )


def _from_config(name: str, path: Path) -> ModelConfig:
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError, RecursionError) as error:
        raise SimulatorInputError("model", f"cannot read {path}: {error}") from None
    if not isinstance(raw, dict):
        raise SimulatorInputError(
            "model", f"{path}: expected a JSON object, got {type(raw).__name__}"
        )
    model_type = raw.get("model_type", "")
    if model_type not in _SUPPORTED_TYPES:
        raise SimulatorInputError(
            "model", f"{name}: model_type {model_type!r} is not supported yet", _SUPPORTED_TYPES
        )
    try:
        heads = int(raw["num_attention_heads"])
        hidden = int(raw["hidden_size"])
        config = ModelConfig(
            name=name,
            model_type=model_type,
            hidden_size=hidden,
            num_layers=int(raw["num_hidden_layers"]),
            num_heads=heads,
            num_kv_heads=int(raw.get("num_key_value_heads", heads)),
            head_dim=int(raw.get("head_dim") or hidden // heads),
            intermediate_size=int(raw["intermediate_size"]),
            vocab_size=int(raw["vocab_size"]),
            max_position_embeddings=int(raw.get("max_position_embeddings", 32768)),
            tie_word_embeddings=bool(raw.get("tie_word_embeddings", False)),
            qk_norm=model_type.startswith("qwen3"),
            num_experts=int(raw.get("num_experts") or raw.get("n_routed_experts") or 0),
            experts_per_token=int(raw.get("num_experts_per_tok") or 0),
            moe_intermediate_size=int(raw.get("moe_intermediate_size") or 0),
            shared_experts=int(raw.get("n_shared_experts") or 0),
            first_dense_layers=int(raw.get("first_k_dense_replace") or 0),
            mtp_layers=int(raw.get("num_nextn_predict_layers") or 0),
            sigmoid_router=raw.get("scoring_func") == "sigmoid",
            expert_groups=int(raw.get("n_group") or 1),
            top_expert_groups=int(raw.get("topk_group") or 1),
            mla=_mla_shape(path, raw),
            rms_norm_eps=float(raw.get("rms_norm_eps", DEFAULT_RMS_NORM_EPS)),
        )
    except ZeroDivisionError:
        raise SimulatorInputError(
            "model", f"{path}: num_attention_heads must be between 1 and {_LARGEST}, got 0"
        ) from None
    except (KeyError, TypeError, ValueError, OverflowError) as error:
        raise SimulatorInputError("model", f"{path}: missing or bad field {error}") from None
    _check_sizes(path, config)
    return config


def _mla_shape(path: Path, raw: dict) -> MlaShape | None:
    if "kv_lora_rank" not in raw:
        return None
    if raw.get("q_lora_rank") is None:
        raise SimulatorInputError(
            "model",
            f"{path}: MLA without a query LoRA (q_lora_rank null, DeepSeek-V2-Lite style) "
            "is not supported yet",
            ["q_lora_rank >= 1"],
        )
    if int(raw.get("moe_layer_freq", 1)) != 1:
        raise SimulatorInputError(
            "model", f"{path}: only moe_layer_freq 1 is supported, got {raw['moe_layer_freq']}", [1]
        )
    return MlaShape(
        q_lora_rank=int(raw["q_lora_rank"]),
        kv_lora_rank=int(raw["kv_lora_rank"]),
        qk_nope_head_dim=int(raw["qk_nope_head_dim"]),
        qk_rope_head_dim=int(raw["qk_rope_head_dim"]),
        v_head_dim=int(raw["v_head_dim"]),
    )


_POSITIVE = (
    "hidden_size",
    "num_layers",
    "num_heads",
    "num_kv_heads",
    "head_dim",
    "intermediate_size",
    "vocab_size",
    "max_position_embeddings",
)
_LARGEST = 2**24
"""Far past any real model's dimension; larger values only overflow the cost model."""


def _check_sizes(path: Path, config: ModelConfig) -> None:
    for name in _POSITIVE:
        value = getattr(config, name)
        if not 1 <= value <= _LARGEST:
            raise SimulatorInputError(
                "model", f"{path}: {name} must be between 1 and {_LARGEST}, got {value}"
            )
    if config.mla is not None:
        for name, value in vars(config.mla).items():
            if not 1 <= value <= _LARGEST:
                raise SimulatorInputError(
                    "model", f"{path}: {name} must be between 1 and {_LARGEST}, got {value}"
                )
    if not 0 <= config.first_dense_layers <= _LARGEST or not 0 <= config.mtp_layers <= _LARGEST:
        raise SimulatorInputError(
            "model",
            f"{path}: first_k_dense_replace and num_nextn_predict_layers must be between 0 "
            f"and {_LARGEST}",
        )
    if config.shared_experts < 0:
        raise SimulatorInputError("model", f"{path}: n_shared_experts must be >= 0")
    if config.is_moe and not (
        1 <= config.experts_per_token <= config.num_experts and config.moe_intermediate_size >= 1
    ):
        raise SimulatorInputError(
            "model",
            f"{path}: an MoE model needs 1 <= num_experts_per_tok <= num_experts "
            "and moe_intermediate_size >= 1",
        )
