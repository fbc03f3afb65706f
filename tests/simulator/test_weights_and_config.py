"""Model memory and config fields as msmodeling 84fec85 reads and stores them."""

from __future__ import annotations

import json

import pytest

from simulator import Deployment, Simulator, load_model
from simulator.models import CONFIG_DIR


@pytest.mark.parametrize(("tp", "msmodeling_bytes"), [(1, 8_843_820_032), (2, 4_821_548_032)])
def test_a_tied_head_is_stored_apart_from_the_embedding(tp: int, msmodeling_bytes: int) -> None:
    """Qwen3-4B ties its embedding and head; msmodeling's model.weight_size still holds a TP-split
    lm_head of its own (0.7245 GiB at TP=1), bf16 weights on an A2."""
    dep = Deployment.create(
        "Qwen/Qwen3-4B",
        device="ATLAS_800_A2_280T_64G",
        num_devices=tp,
        tp=tp,
        input_length=64,
        output_length=16,
        quantize_linear_action="DISABLED",
    )
    assert load_model("Qwen/Qwen3-4B").tie_word_embeddings
    assert Simulator(dep).weight_bytes == msmodeling_bytes


def test_rms_norm_eps_is_read_and_defaults_to_transformers(tmp_path) -> None:
    assert load_model("meta-llama/Llama-3.1-8B").rms_norm_eps == 1e-5
    assert load_model("Qwen/Qwen3-8B").rms_norm_eps == 1e-6
    config = json.loads((CONFIG_DIR / "llama3_1_8b.json").read_text())
    del config["rms_norm_eps"]
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert load_model(str(tmp_path)).rms_norm_eps == 1e-6
