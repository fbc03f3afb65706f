"""DFlash speculative decoding: msmodeling's gates and clamps (``cli/utils.py``), the draft's
memory, the block-sized decode and its fold."""

from __future__ import annotations

import pytest

from harness.errors import DeploymentError
from harness.request import OptimizerRequest
from simulator.deployment import Deployment
from simulator.errors import SimulatorInputError
from simulator.forward.features import Features
from simulator.forward.inventory import build_ops
from simulator.forward.roofline import roofline_of
from simulator.numbers import SCALAR
from simulator.serving import Simulator

QWEN = dict(device="TEST_DEVICE", num_devices=8, tp=8, input_length=3500, output_length=1500)


def dep(**kw) -> Deployment:
    return Deployment.create("Qwen/Qwen3-32B", **QWEN, **kw)


def test_the_builtin_draft_and_the_clamps() -> None:
    d = dep(speculative_method="dflash").draft
    assert (d.block, d.layers, d.aux_layers, d.acceptance_length) == (8, 6, 6, 5.0)
    assert dep(speculative_method="dflash", acceptance_length=12).draft.acceptance_length == 7.0
    assert dep(speculative_method="dflash", acceptance_length=-1).draft.acceptance_length == 0.0
    wide = dep(speculative_method="dflash", num_speculative_tokens=15, num_draft_layers=2).draft
    assert (wide.block, wide.layers) == (16, 2)


def test_the_decode_is_a_block_folded_by_the_acceptance() -> None:
    spec = dep(speculative_method="dflash", acceptance_length=3, phase="decode")
    assert spec.decode_query_len == 8 and spec.tokens_per_decode_step == 4.0
    faster = Simulator(dep(speculative_method="dflash", phase="decode")).probe(64).tpot_ms
    slower = Simulator(spec).probe(64).tpot_ms
    assert slower == pytest.approx(faster * 6 / 4)


def test_the_draft_adds_weights_and_cache() -> None:
    plain, spec = Simulator(dep()).probe(8), Simulator(dep(speculative_method="dflash")).probe(8)
    # msmodeling: 6.1383 GiB at TP=8 with the builtin draft (record qwen3-32b-8x-dflash).
    assert spec.weights_gib == pytest.approx(6.1383, abs=5e-4)
    assert spec.weights_gib > plain.weights_gib and spec.kv_cache_gib > plain.kv_cache_gib


@pytest.mark.parametrize(
    "kw,field",
    [
        (dict(speculative_method="dflash", num_mtp_tokens=1), "num_mtp_tokens"),
        (dict(speculative_method="eagle"), "speculative_method"),
    ],
)
def test_refusals_name_the_field(kw, field) -> None:
    with pytest.raises(SimulatorInputError) as error:
        Deployment.create("Qwen/Qwen3-32B", **QWEN, **kw)
    assert error.value.field == field


@pytest.mark.parametrize("model", ["Qwen/Qwen3-30B-A3B", "deepseek-ai/DeepSeek-V3"])
def test_a_compiled_draft_beside_moe_or_mla_targets_is_refused(model) -> None:
    # Calibrated compiled beside a dense GQA target only (record qwen3-8b-2x-dflash-compiled).
    with pytest.raises(SimulatorInputError, match="dense GQA targets only") as error:
        Deployment.create(model, **QWEN, speculative_method="dflash", compile=True)
    assert error.value.field == "compile"


@pytest.mark.parametrize("head", ["gated", "rnn"])
def test_a_compiled_dspark_draft_keeps_the_vanilla_head(head) -> None:
    with pytest.raises(SimulatorInputError, match="vanilla head only") as error:
        dep(speculative_method="dspark", dspark_markov_head=head, compile=True)
    assert error.value.field == "dspark_markov_head"
    assert dep(speculative_method="dspark", compile=True).draft.markov_head == "vanilla"


def test_the_compiled_draft_is_its_own_inventory() -> None:
    eager = {op.name for op in build_ops(dep(speculative_method="dflash"))}
    ops = build_ops(dep(speculative_method="dflash", compile=True))
    names = {op.name for op in ops}
    # Compiling folds the block's metadata and RoPE rows into constants and fuses the norms,
    # the residual adds, q/k/v and gate/up (msmodeling's one-layer compiled traces).
    assert "arange" in eager and "pow" in eager
    assert not names & {"arange", "full", "index_select", "pow", "rsqrt", "silu", "remainder"}
    count = {n: sum(op.count for op in ops if op.name == n) for n in names}
    # The draft's 6 layers beside the target's 64: 6 x 4 matmuls, fc, context_kv_proj, 2 heads.
    assert count["mm"] == 6 * 4 + 2 + 2
    assert count["add_rms_norm2"] == 6 + 5 and count["add_rms_norm"] == 1
    assert count["swiglu"] == 64 + 6


def test_a_target_too_shallow_for_the_drafts_layer_ids() -> None:
    with pytest.raises(SimulatorInputError, match="target_layer_ids max=58"):
        Deployment.create("Qwen/Qwen3-8B", input_length=100, output_length=10,
                          speculative_method="dflash")  # fmt: skip


@pytest.mark.parametrize(
    "kw,field",
    [
        (dict(num_speculative_tokens=7), "num_speculative_tokens"),
        (dict(acceptance_length=3.0), "acceptance_length"),
        (dict(draft_model_config_path="x.json"), "draft_model_config_path"),
        (dict(speculative_method="dflash", dspark_markov_rank=128), "dspark_markov_rank"),
        (dict(speculative_method="dflash", num_mtp_tokens=(0, 1)), "num_mtp_tokens"),
    ],
)
def test_the_request_gates(kw, field) -> None:
    with pytest.raises(DeploymentError) as error:
        OptimizerRequest(model="Qwen/Qwen3-32B", num_devices=8, input_length=3500,
                         output_length=1500, tpot_limit_ms=50, **kw)  # fmt: skip
    assert error.value.field == field


DEEPSEEK = dict(device="ATLAS_800_A3_752T_128G_DIE", num_devices=16, tp=4, ep=16,
                input_length=2048, output_length=1024)  # fmt: skip


def test_the_draft_beside_an_mla_target_keeps_its_own_gqa_cache() -> None:
    plain = Simulator(Deployment.create("deepseek-ai/DeepSeek-V3", **DEEPSEEK)).probe(1)
    spec = Deployment.create("deepseek-ai/DeepSeek-V3", **DEEPSEEK, speculative_method="dflash")
    probe = Simulator(spec).probe(1)
    # msmodeling (record deepseek-v3-16x-a3-ep16-dflash, batch 1): 48.5876 GiB of weights and
    # 0.15486 GiB of cache, the draft's 6 layers x 2 KV heads x 128 beside the latent rows.
    assert probe.weights_gib == pytest.approx(48.5876, abs=5e-4)
    assert probe.kv_cache_gib == pytest.approx(0.15486, abs=1e-5)
    assert probe.weights_gib > plain.weights_gib and probe.kv_cache_gib > plain.kv_cache_gib


def test_the_mla_target_costs_a_block_of_six_or_more_as_a_prefill() -> None:
    # msmodeling's dense MLA op gets no per-request phase: a query of 6 tokens or more is a
    # prefill to its cost, while the forward (and the draft's ops) stay a decode.
    block = Features.of(64, 8, 3000, SCALAR, prefill_from=9)
    assert (block.prefill, block.prefill_qs, block.mla_prefill_qs) == (0.0, 0.0, 64 * 8 * 3000)
    short = Features.of(4, 4, 3000, SCALAR, prefill_from=5)
    assert (short.prefill, short.mla_prefill_qs) == (0.0, 0.0)
    spec = Deployment.create("deepseek-ai/DeepSeek-V3", **DEEPSEEK, speculative_method="dflash")
    plain = Deployment.create("deepseek-ai/DeepSeek-V3", **DEEPSEEK)
    as_decode = block._replace(mla_prefill_qs=0.0)
    # Over 8 x 3000 pairs per request the up-projected attention is the cheaper one.
    spec_s, plain_s = roofline_of(spec).latency_s, roofline_of(plain).latency_s
    assert spec_s(block, SCALAR) < spec_s(as_decode, SCALAR)
    # Without a draft the MLA op reads the forward's own phase.
    assert plain_s(block, SCALAR) == plain_s(as_decode, SCALAR)
