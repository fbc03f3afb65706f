"""Every bad input gets one clear error naming the field and, where known, the allowed values."""

from __future__ import annotations

import json

import pytest

from simulator import Deployment, Simulator, SimulatorInputError, load_model
from simulator.models import CONFIG_DIR
from tests.simulator.calibration import main_deployment
from tests.simulator.calibration_deepseek import deployment as deepseek

BASE = dict(num_devices=8, tp=8, input_length=3500, output_length=1500)


def error_of(**overrides) -> SimulatorInputError:
    fields = {**BASE, **overrides}
    model = fields.pop("model", "Qwen/Qwen3-32B")
    with pytest.raises(SimulatorInputError) as info:
        Deployment.create(model, **fields)
    return info.value


def test_unknown_model_lists_bundled_models() -> None:
    error = error_of(model="Qwen/Qwen9-1T")
    assert error.field == "model"
    assert "Qwen/Qwen9-1T" in str(error) and "Qwen/Qwen3-32B" in str(error)


def test_unknown_device_lists_profiles() -> None:
    error = error_of(device="ATLAS_9000")
    assert error.field == "device"
    assert "ATLAS_9000" in str(error) and "ATLAS_350_425T_84G" in str(error)


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("quantize_linear_action", "W3A3", "W8A8_DYNAMIC"),
        ("quantize_attention_action", "INT4", "INT8"),
    ],
)
def test_unknown_quantization(field: str, value: str, allowed: str) -> None:
    error = error_of(**{field: value})
    assert error.field == field
    assert value in str(error) and allowed in str(error)


def test_tp_not_dividing_devices() -> None:
    error = error_of(tp=3)
    assert error.field == "tp"
    assert "does not divide num_devices=8" in str(error) and "1, 2, 4, 8" in str(error)


def test_tp_not_dividing_query_heads() -> None:
    error = error_of(model="Qwen/Qwen3-14B", num_devices=16, tp=16)
    assert error.field == "tp"
    assert "40 query heads" in str(error) and "allowed: 1, 2, 4, 8" in str(error)


def test_ep_not_dividing_devices() -> None:
    error = error_of(model="Qwen/Qwen3-30B-A3B", tp=2, ep=3)
    assert error.field == "ep"
    assert "EP=3 does not divide num_devices=8" in str(error)


def test_ep_on_a_dense_model() -> None:
    assert error_of(ep=4).field == "ep"


def test_num_devices_beyond_grid() -> None:
    error = error_of(device="ATLAS_800_A2_280T_64G_PCIE", num_devices=16, tp=8)
    assert error.field == "num_devices"
    assert "exceeds the 8-device grid" in str(error)


@pytest.mark.parametrize("batch", [0, -3])
def test_batch_size_below_one(batch: int) -> None:
    simulator = Simulator(main_deployment(8))
    with pytest.raises(SimulatorInputError, match=r"batch_size: must be >= 1"):
        simulator.probe(batch)
    with pytest.raises(SimulatorInputError, match=r"batch_size: must be >= 1"):
        simulator.sweep([4, batch])


def test_chunked_prefill_is_accepted_in_agg_mode() -> None:
    deployment = Deployment.create("Qwen/Qwen3-32B", **BASE, max_batched_tokens=2048)
    assert deployment.max_batched_tokens == 2048


def test_chunked_prefill_is_accepted_in_disagg_and_the_budget_ignored_in_decode() -> None:
    prefill = Deployment.create(
        "Qwen/Qwen3-32B", **BASE, max_batched_tokens=2048, phase="prefill", ttft_limit_ms=2e3
    )
    decode = Deployment.create("Qwen/Qwen3-32B", **BASE, max_batched_tokens=16, phase="decode")
    assert prefill.max_batched_tokens == 2048 and decode.max_batched_tokens == 16


def _deepseek_config(tmp_path, **changes) -> str:
    config = json.loads((CONFIG_DIR / "deepseek_v3.json").read_text())
    config.update(changes)
    (tmp_path / "config.json").write_text(json.dumps(config))
    return str(tmp_path)


def test_mla_without_a_query_lora_is_refused_by_name(tmp_path) -> None:
    with pytest.raises(SimulatorInputError, match=r"q_lora_rank null.*not supported yet"):
        load_model(_deepseek_config(tmp_path, q_lora_rank=None))


def test_mla_sizes_are_checked(tmp_path) -> None:
    with pytest.raises(SimulatorInputError, match=r"kv_lora_rank must be between 1"):
        load_model(_deepseek_config(tmp_path, kv_lora_rank=0))


def test_a_missing_mla_field_names_the_field(tmp_path) -> None:
    config = json.loads((CONFIG_DIR / "deepseek_v3.json").read_text())
    del config["qk_rope_head_dim"]
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(SimulatorInputError, match=r"qk_rope_head_dim"):
        load_model(str(tmp_path))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"num_mtp_tokens": 10}, r"0\.\.9"),
        ({"num_mtp_tokens": 6}, r"6 exceeds what 4 acceptance rates support"),
        ({"num_mtp_tokens": 1, "mtp_acceptance_rates": (1.5,)}, r"numbers in \[0, 1\]"),
        ({"num_mtp_tokens": 1, "mtp_acceptance_rates": ()}, r"non-empty"),
    ],
)
def test_mtp_settings_follow_msmodelings_rules(changes, message) -> None:
    with pytest.raises(SimulatorInputError, match=message):
        deepseek(**changes)


def test_mtp_needs_a_model_with_mtp_layers() -> None:
    error = error_of(num_mtp_tokens=1)
    assert error.field == "num_mtp_tokens" and "no MTP layers" in str(error)


def test_mtp_with_chunked_prefill_is_refused_clearly_in_agg_only() -> None:
    with pytest.raises(SimulatorInputError, match=r"MTP with chunked prefill in agg"):
        deepseek(max_batched_tokens=1024, num_mtp_tokens=1)
    prefill = deepseek(max_batched_tokens=1024, num_mtp_tokens=1, phase="prefill")
    assert prefill.num_mtp_tokens == 1


def test_local_config_folder_loads(tmp_path) -> None:
    source = load_model("Qwen/Qwen3-0.6B")
    (tmp_path / "config.json").write_text(
        '{"model_type": "qwen3", "hidden_size": 1024, "num_hidden_layers": 28,'
        ' "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128,'
        ' "intermediate_size": 3072, "vocab_size": 151936, "tie_word_embeddings": true}'
    )
    local = load_model(str(tmp_path))
    assert (local.hidden_size, local.num_layers, local.tie_word_embeddings) == (
        source.hidden_size,
        source.num_layers,
        source.tie_word_embeddings,
    )
