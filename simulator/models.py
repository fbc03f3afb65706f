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
}

_SUPPORTED_TYPES = ("qwen3", "qwen3_moe", "llama")


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

    @property
    def is_moe(self) -> bool:
        return self.num_experts > 0


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
    if "kv_lora_rank" in raw:
        raise SimulatorInputError(
            "model", f"{name}: MLA attention (kv_lora_rank) is not supported yet", _SUPPORTED_TYPES
        )
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
            num_experts=int(raw.get("num_experts", 0)),
            experts_per_token=int(raw.get("num_experts_per_tok", 0)),
            moe_intermediate_size=int(raw.get("moe_intermediate_size", 0)),
        )
    except ZeroDivisionError:
        raise SimulatorInputError(
            "model", f"{path}: num_attention_heads must be between 1 and {_LARGEST}, got 0"
        ) from None
    except (KeyError, TypeError, ValueError, OverflowError) as error:
        raise SimulatorInputError("model", f"{path}: missing or bad field {error}") from None
    _check_sizes(path, config)
    return config


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
    if config.is_moe and not (
        1 <= config.experts_per_token <= config.num_experts and config.moe_intermediate_size >= 1
    ):
        raise SimulatorInputError(
            "model",
            f"{path}: an MoE model needs 1 <= num_experts_per_tok <= num_experts "
            "and moe_intermediate_size >= 1",
        )
