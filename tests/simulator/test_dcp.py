"""Decode context parallel (``simulator/dcp.py``, ``simulator/forward/dcp.py``) against what
msmodeling 84fec85 prints for single decode forwards with ``--dcp-size``, and its rules.

The op tables are ``cli.inference.text_generate MODEL --num-queries 8 --query-length 1
--context-length C --tp-size TP --dcp-size D --device ATLAS_800_A3_752T_128G_DIE --num-devices TP
--quantize-linear-action W8A8_DYNAMIC --dump-input-shapes --num-hidden-layers-override 1
[--compile]`` with D = 1 and D > 1: what DCP adds to one layer is their difference, per op.
"""

from __future__ import annotations

import dataclasses

import pytest

from simulator import Deployment, SimulatorInputError, load_model
from simulator.dcp import dcp_sizes, kv_capacity_factor
from simulator.memory import kv_bytes_per_token, kv_cache_bytes
from tests.simulator.optable import op_table

A3 = "ATLAS_800_A3_752T_128G_DIE"
# What DCP adds to one decode layer (microseconds, calls), msmodeling's D > 1 table minus D = 1.
QWEN3_8B_TP4_DCP2_EAGER = {  # context 4096: 8 requests of 4097 tokens
    "all_to_all": (10.411, 1),  # fp32 [16 gathered heads, 8 x (128 + 1)]
    "all_gather": (10.304, 1),  # the bf16 query [8, 1024]
    "mul": (6.000, 3),
    "add": (6.187, 3),
    "_to_copy": (4.000, 2),
    "empty": (2.063, 1),
}
DEEPSEEK_TP8_DCP4_EAGER = {  # context 4001: 8 requests of 4002 tokens
    "multihead_latent_attention": (18.025 - 43.995, 0),  # 64 heads over 1001 keys, not 16 / 4002
    "all_to_all": (12.444, 1),
    "all_gather": (12.075, 1),
    "_to_copy": (4.000, 2),
    "mul": (4.000, 2),
    "add": (6.563, 3),
    "empty": (2.250, 1),
    "clone": (2.062, 1),
    "div": (2.000, 1),
    "clamp": (2.000, 1),
}
# The whole layer's difference, compiled (no ``empty``; prims.convert_element_type for _to_copy).
COMPILED_DELTA_US = {
    ("Qwen/Qwen3-8B", 4, 2, 4097): 36.902,
    ("deepseek-ai/DeepSeek-V3", 8, 4, 4002): 19.174,
}


def one_layer(model: str, tp: int, dcp: int, seq: int, compile: bool = False) -> Deployment:
    config = dataclasses.replace(load_model(model), num_layers=1)
    if config.first_dense_layers:
        config = dataclasses.replace(config, first_dense_layers=1)
    return Deployment.create(
        config, device=A3, num_devices=tp, tp=tp, input_length=seq - 1, output_length=2,
        compile=compile, phase="decode", dcp=dcp,
    )  # fmt: skip


def delta_us(model: str, tp: int, dcp: int, seq: int, compile: bool = False, rows=8) -> dict:
    plain = op_table(one_layer(model, tp, 1, seq, compile), rows, 1, seq)
    sharded = op_table(one_layer(model, tp, dcp, seq, compile), rows, 1, seq)
    out = {}
    for name in set(plain) | set(sharded):
        ms, calls = sharded.get(name, (0.0, 0))
        ms0, calls0 = plain.get(name, (0.0, 0))
        if calls != calls0 or abs(ms - ms0) > 1e-9:
            out[name] = ((ms - ms0) * 1e3, calls - calls0)
    return out


@pytest.mark.parametrize(
    ("model", "tp", "dcp", "seq", "theirs"),
    [
        ("Qwen/Qwen3-8B", 4, 2, 4097, QWEN3_8B_TP4_DCP2_EAGER),
        ("deepseek-ai/DeepSeek-V3", 8, 4, 4002, DEEPSEEK_TP8_DCP4_EAGER),
    ],
    ids=["gqa", "mla"],
)
def test_the_ops_dcp_adds_to_a_decode_layer_are_msmodelings(model, tp, dcp, seq, theirs):
    ours = delta_us(model, tp, dcp, seq)
    assert set(ours) == set(theirs)
    for name, (us, calls) in theirs.items():
        assert ours[name][1] == calls, name
        assert ours[name][0] == pytest.approx(us, abs=0.002), name


@pytest.mark.parametrize(("key", "theirs"), COMPILED_DELTA_US.items(), ids=["gqa", "mla"])
def test_compiled_dcp_adds_what_msmodeling_adds(key, theirs):
    model, tp, dcp, seq = key
    total = sum(us for us, _ in delta_us(model, tp, dcp, seq, compile=True).values())
    assert total == pytest.approx(theirs, abs=0.002)


def test_one_tokens_merged_heads_need_no_copy():
    """msmodeling's table at --num-queries 1: the slice of one token's heads is contiguous, so
    no clone; the rest as at 8 (all_to_all [64, 129] 11.181 us, all_gather [1, 16, 192])."""
    ours = delta_us("deepseek-ai/DeepSeek-V3", 8, 4, 4002, rows=1)
    assert "clone" not in ours
    assert ours["all_to_all"][0] == pytest.approx(11.181, abs=0.002)
    assert ours["all_gather"][0] == pytest.approx(11.134, abs=0.002)
    assert ours["add"] == (pytest.approx(6.071, abs=0.002), 3)


def test_prefill_forwards_run_no_dcp_op():
    dep = Deployment.create("Qwen/Qwen3-8B", device=A3, num_devices=4, tp=4, input_length=2048,
                            output_length=256, dcp=2)  # fmt: skip
    plain = dataclasses.replace(dep, dcp=1)
    assert op_table(dep, 2, 2048, 2048) == op_table(plain, 2, 2048, 2048)
    assert op_table(dep, 2, 1, 2048) != op_table(plain, 2, 1, 2048)


def test_the_kv_cache_splits_by_the_layouts_capacity_factor():
    """MLA: dcp; GQA: only the KV heads TP replicated (Qwen3-8B has 8)."""
    deepseek, qwen = load_model("deepseek-ai/DeepSeek-V3"), load_model("Qwen/Qwen3-8B")
    assert kv_capacity_factor(deepseek, 8, 4) == 4
    assert kv_capacity_factor(qwen, 8, 4) == 1
    assert kv_capacity_factor(qwen, 16, 4) == 2
    assert kv_capacity_factor(qwen, 16, 1) == 1
    # 8 requests of 4003 cached tokens: 251 blocks, 63 per rank at DCP 4 (rounded up).
    per_token = 70_272
    assert kv_cache_bytes(per_token, 8, 4003, 4) == 63 * 128 * per_token
    assert kv_cache_bytes(per_token, 8, 4003) == 251 * 128 * per_token
    fields = {"device": A3, "num_devices": 16, "tp": 8, "ep": 16, "phase": "decode", "dcp": 4}
    dep = Deployment.create(
        "deepseek-ai/DeepSeek-V3", input_length=1024, output_length=512, **fields
    )
    assert kv_bytes_per_token(dep) == per_token


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"tp": 4, "dcp": 3}, "dcp", "does not divide TP=4"),
        ({"tp": 4, "dcp": 0}, "dcp", "positive integer"),
        ({"tp": 4, "dcp": 2, "phase": "prefill"}, "dcp", "decode only"),
        ({"tp": 4, "dcp": 2, "max_batched_tokens": 1024}, "dcp", "chunked prefill"),
    ],
)
def test_dcp_is_refused_where_msmodeling_refuses_or_we_do_not_model_it(fields, field, words):
    with pytest.raises(SimulatorInputError) as info:
        Deployment.create("Qwen/Qwen3-8B", num_devices=4, input_length=2048, output_length=256,
                          **fields)  # fmt: skip
    assert info.value.field == field and words in str(info.value)


def test_gqa_needs_a_kv_head_per_dcp_rank():
    """Qwen3-30B-A3B has 4 KV heads: at TP=16, DCP 2 leaves 8 ranks per head group, so a rank
    holds no KV head (msmodeling's _validate_gqa_dcp_kv_heads fails the build); DCP 4 is fine."""
    fields = {"device": A3, "num_devices": 16, "tp": 16, "input_length": 64, "output_length": 16}
    Deployment.create("Qwen/Qwen3-30B-A3B", dcp=4, **fields)
    with pytest.raises(SimulatorInputError, match="fewer than TP / DCP") as info:
        Deployment.create("Qwen/Qwen3-30B-A3B", dcp=2, **fields)
    assert info.value.allowed == (1, 4, 8, 16)


def test_mtp_with_dcp_is_refused():
    with pytest.raises(SimulatorInputError, match="MTP"):
        Deployment.create("deepseek-ai/DeepSeek-V3", device=A3, num_devices=16, tp=8, ep=16,
                          input_length=64, output_length=16, dcp=2, num_mtp_tokens=1)  # fmt: skip


def test_dcp_candidates_follow_msmodeling():
    assert dcp_sizes(None, 8) == [1]
    assert dcp_sizes((), 8) == [1, 2, 4, 8]
    assert dcp_sizes((4, 2, 4), 8) == [4, 2]
    with pytest.raises(SimulatorInputError, match="dcp_sizes"):
        dcp_sizes((16,), 8)
