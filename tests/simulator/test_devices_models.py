"""Device registry, interconnect selection with FULL_MESH scaling, and the bundled models."""

from __future__ import annotations

import dataclasses
import json

import pytest

from simulator import BUNDLED_MODELS, DEVICES, load_model
from simulator.devices import get_device

MSMODELING_DEVICES = {
    "TEST_DEVICE",
    "ATLAS_800_A2_376T_64G",
    "ATLAS_800_A2_313T_64G",
    "ATLAS_800_A2_280T_64G",
    "ATLAS_800_A2_280T_64G_PCIE",
    "ATLAS_800_A2_280T_32G_PCIE",
    "ATLAS_800_A3_752T_128G_DIE",
    "ATLAS_800_A3_560T_128G_DIE",
    "ATLAS_800_A3_560T_128G_DIE_ROCE",
    "ATLAS_350_425T_112G",
    "ATLAS_350_425T_84G",
}


def test_every_msmodeling_profile_is_registered() -> None:
    assert set(DEVICES) == MSMODELING_DEVICES


def test_test_device_effective_rates() -> None:
    device = get_device("TEST_DEVICE")
    assert device.mma_rate("bf16") == pytest.approx(247.73e12, rel=1e-4)
    assert device.gp_rate("bf16") == pytest.approx(7.70e12, rel=1e-3)
    assert device.effective_memory_bandwidth == pytest.approx(1.0556e12, rel=1e-4)
    assert (
        device.mma_rate("fp8") is not None
        and get_device("ATLAS_800_A2_280T_64G").mma_rate("fp8") is None
    )


@pytest.mark.parametrize(
    ("group", "bandwidth_gbps", "latency_us"),
    [(2, 19.6, 1.3), (4, 58.8, 1.3), (8, 137.2, 1.3), (16, 35.0, 10.0)],
)
def test_test_device_links_scale_with_the_mesh(group, bandwidth_gbps, latency_us) -> None:
    bandwidth, latency = get_device("TEST_DEVICE").grid.link_for_group(group)
    assert bandwidth / 1e9 == pytest.approx(bandwidth_gbps, rel=1e-3)
    assert latency * 1e6 == pytest.approx(latency_us)


def test_a3_groups_pick_the_innermost_link_they_fit() -> None:
    grid = get_device("ATLAS_800_A3_752T_128G_DIE").grid
    assert grid.link_for_group(2) == pytest.approx((224e9 * 0.7, 0.2e-6))
    assert grid.link_for_group(16) == pytest.approx((196e9 * 0.7, 0.5e-6))
    assert grid.link_for_group(32) == pytest.approx((196e9 * 0.7, 5.5e-6))


@pytest.mark.parametrize("name", sorted(BUNDLED_MODELS))
def test_bundled_models_load_by_id_case_insensitively(name: str) -> None:
    assert load_model(name.lower()).name == name


def test_moe_models_carry_their_experts() -> None:
    model = load_model("Qwen/Qwen3-235B-A22B")
    assert (model.num_experts, model.experts_per_token, model.moe_intermediate_size) == (
        128,
        8,
        1536,
    )


# The config.json DeepSeek-V3.1 and R1 ship on the Hub: V3's architecture with extra keys
# (quantization block, auto_map, tokens) the loader must read past.
DEEPSEEK_V31_CONFIG = {
    "architectures": ["DeepseekV3ForCausalLM"],
    "auto_map": {"AutoConfig": "configuration_deepseek.DeepseekV3Config"},
    "bos_token_id": 0,
    "eos_token_id": 1,
    "ep_size": 1,
    "first_k_dense_replace": 3,
    "hidden_act": "silu",
    "hidden_size": 7168,
    "intermediate_size": 18432,
    "kv_lora_rank": 512,
    "max_position_embeddings": 163840,
    "model_type": "deepseek_v3",
    "moe_intermediate_size": 2048,
    "moe_layer_freq": 1,
    "n_group": 8,
    "n_routed_experts": 256,
    "n_shared_experts": 1,
    "norm_topk_prob": True,
    "num_attention_heads": 128,
    "num_experts_per_tok": 8,
    "num_hidden_layers": 61,
    "num_key_value_heads": 128,
    "num_nextn_predict_layers": 1,
    "q_lora_rank": 1536,
    "qk_nope_head_dim": 128,
    "qk_rope_head_dim": 64,
    "quantization_config": {
        "activation_scheme": "dynamic",
        "fmt": "e4m3",
        "quant_method": "fp8",
        "scale_fmt": "ue8m0",
        "weight_block_size": [128, 128],
    },
    "rms_norm_eps": 1e-06,
    "rope_scaling": {"factor": 40, "type": "yarn", "original_max_position_embeddings": 4096},
    "rope_theta": 10000,
    "routed_scaling_factor": 2.5,
    "scoring_func": "sigmoid",
    "tie_word_embeddings": False,
    "topk_group": 4,
    "topk_method": "noaux_tc",
    "torch_dtype": "bfloat16",
    "transformers_version": "4.44.2",
    "use_cache": True,
    "v_head_dim": 128,
    "vocab_size": 129280,
}


def test_a_users_deepseek_v31_config_loads_as_the_bundled_v3(tmp_path) -> None:
    (tmp_path / "config.json").write_text(json.dumps(DEEPSEEK_V31_CONFIG))
    own = load_model(str(tmp_path))
    bundled = load_model("deepseek-ai/DeepSeek-V3")
    assert dataclasses.replace(own, name=bundled.name) == bundled
    assert own.mla is not None and own.mla.latent_width == 576
    assert (own.num_experts, own.shared_experts, own.first_dense_layers) == (256, 1, 3)
    assert own.moe_layers == 58 and own.mtp_layers == 1 and own.sigmoid_router
