"""Issue 22's quantization extras: MXFP4 and its group size, the non-expert linear action and
word-embedding TP, as msmodeling assigns, sizes and validates them (figures from msmodeling's
``text_generate`` traces of one-layer models; the optimizer runs are calibration records)."""

from __future__ import annotations

import pytest

from simulator import Deployment, Simulator, SimulatorInputError
from simulator.memory import embedding_bytes, weight_bytes

GIB = 2**30


def dep(model="Qwen/Qwen3-8B", **fields) -> Deployment:
    fields.setdefault("input_length", 2000)
    fields.setdefault("output_length", 500)
    return Deployment.create(model, **fields)


def probe(d: Deployment, batch: int = 8):
    result = Simulator(d).probe(batch)
    return result.ttft_ms, result.tpot_ms, weight_bytes(d)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"quantize_linear_action": "MXFP4", "compile": True}, "quantize_linear_action"),
        (
            {"quantize_non_expert_linear_action": "MXFP4", "compile": True},
            "quantize_non_expert_linear_action",
        ),
        ({"quantize_non_expert_linear_action": "INT3"}, "quantize_non_expert_linear_action"),
        ({"mxfp4_group_size": 0}, "mxfp4_group_size"),
        ({"mxfp4_group_size": True}, "mxfp4_group_size"),
        ({"mxfp4_group_size": 10**8 + 1}, "mxfp4_group_size"),
        ({"word_embedding_tp": "diagonal"}, "word_embedding_tp"),
    ],
)
def test_refusals_name_their_field(fields: dict, field: str) -> None:
    with pytest.raises(SimulatorInputError) as raised:
        dep(**fields)
    assert raised.value.field == field


def test_mxfp4_on_an_mla_model_is_refused() -> None:
    with pytest.raises(SimulatorInputError, match="MLA"):
        dep("deepseek-ai/DeepSeek-V3", num_devices=16, tp=4, quantize_linear_action="MXFP4")


def test_a_disabled_non_expert_action_means_the_linear_action() -> None:
    moe = {"model": "Qwen/Qwen3-30B-A3B", "num_devices": 8, "tp": 4, "ep": 4}
    absent = dep(**moe, quantize_linear_action="MXFP4")
    same = dep(**moe, quantize_linear_action="MXFP4", quantize_non_expert_linear_action="MXFP4")
    assert probe(absent) == probe(same)


def test_on_a_dense_model_the_non_expert_action_covers_every_quantized_linear() -> None:
    """Attention and the dense MLP match the non-expert patterns; the lm_head stays 16-bit."""
    override = dep(quantize_linear_action="W8A8_DYNAMIC", quantize_non_expert_linear_action="MXFP4")
    plain = dep(quantize_linear_action="MXFP4")
    assert probe(override) == probe(plain)
    assert probe(override) != probe(dep())


def test_on_an_moe_model_the_experts_keep_the_linear_action() -> None:
    moe = {"model": "Qwen/Qwen3-30B-A3B", "num_devices": 8, "tp": 4, "ep": 4}
    mixed = weight_bytes(
        dep(**moe, quantize_linear_action="MXFP4", quantize_non_expert_linear_action="W8A8_DYNAMIC")
    )
    mxfp4 = weight_bytes(dep(**moe, quantize_linear_action="MXFP4"))
    w8a8 = weight_bytes(dep(**moe, quantize_linear_action="W8A8_DYNAMIC"))
    assert mxfp4 < mixed < w8a8


def test_mxfp4_weights_are_half_a_byte_plus_a_scale_byte_per_group() -> None:
    """The E8M0 scales follow the group size (msmodeling's one-layer Qwen3-8B MXFP4 trace,
    2.433 GiB, is in the calibration record of single forwards)."""
    g32 = weight_bytes(dep(quantize_linear_action="MXFP4"))
    g64 = weight_bytes(dep(quantize_linear_action="MXFP4", mxfp4_group_size=64))
    h, q, kv, inter, layers = 4096, 4096, 1024, 12288, 36
    # one scale byte per output channel and 32 (64) elements of K, for every layer's linears
    scales_32 = layers * (
        (q + 2 * kv) * (h // 32) + h * (q // 32) + 2 * inter * (h // 32) + h * (inter // 32)
    )
    assert g32 - g64 == scales_32 - scales_32 // 2


def test_an_uneven_group_size_rounds_the_blocks_up() -> None:
    g48 = weight_bytes(dep(quantize_linear_action="MXFP4", mxfp4_group_size=48))
    g64 = weight_bytes(dep(quantize_linear_action="MXFP4", mxfp4_group_size=64))
    g32 = weight_bytes(dep(quantize_linear_action="MXFP4"))
    assert g64 < g48 < g32


@pytest.mark.parametrize("mode", ["col", "row"])
def test_word_embedding_tp_shards_the_embedding(mode: str) -> None:
    vocab, h = 151936, 4096
    d = dep(num_devices=2, tp=2, word_embedding_tp=mode)
    assert embedding_bytes(d) == vocab * h  # half of vocab x hidden x 2 bytes, either way
    whole = dep(num_devices=2, tp=2)
    assert weight_bytes(whole) - weight_bytes(d) == vocab * h


def test_word_embedding_tp_changes_nothing_at_tp_1() -> None:
    assert probe(dep(word_embedding_tp="row")) == probe(dep())
    assert probe(dep(word_embedding_tp="col")) == probe(dep())


def test_mxfp4_runs_on_a_device_without_fp4_units() -> None:
    """msmodeling ignores MMA work a device has no unit for and charges a vector op's fixed
    cost; the probe is memory-bound, not an error."""
    d = dep(device="ATLAS_800_A2_376T_64G", quantize_linear_action="MXFP4")
    ttft, tpot, _ = probe(d)
    assert 0 < ttft < float("inf") and 0 < tpot < float("inf")


@pytest.mark.parametrize(
    "model, fields, gib",
    [
        # msmodeling's text_generate on one-layer copies ("Model weight size", 3 decimals)
        ("Qwen/Qwen3-8B", {"quantize_linear_action": "MXFP4"}, 2.433),
        (
            "Qwen/Qwen3-30B-A3B",
            {"num_devices": 8, "tp": 4, "ep": 4, "quantize_linear_action": "MXFP4"},
            0.784,
        ),
        (
            "Qwen/Qwen3-30B-A3B",
            {
                "num_devices": 8, "tp": 4, "ep": 4, "quantize_linear_action": "MXFP4",
                "quantize_non_expert_linear_action": "FP8", "mxfp4_group_size": 48,
            },
            0.786,
        ),
        ("Qwen/Qwen3-8B", {"num_devices": 2, "tp": 2, "word_embedding_tp": "col"}, 1.269),
        ("Qwen/Qwen3-8B", {"num_devices": 2, "tp": 2, "word_embedding_tp": "row"}, 1.269),
    ],
)  # fmt: skip
def test_one_layer_weights_match_msmodelings_traces(tmp_path, model, fields, gib) -> None:
    from harness.calibration.check import _trimmed_model

    trimmed = _trimmed_model(model, {"num_hidden_layers": 1}, tmp_path)
    assert weight_bytes(dep(trimmed, **fields)) / GIB == pytest.approx(gib, abs=0.0005)
