"""DSpark speculative decoding: msmodeling's defaults, gates and clamps (``cli/utils.py``,
``tensor_cast/model_config.py`` ``DsparkConfig``), its Markov and confidence heads' weights and
decode ops against one-layer ``text_generate`` traces, the fold and the label. The optimizer
runs are calibration records (``tests/calibration/qwen3-32b-8x-dspark*.json``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from harness.errors import DeploymentError, SearchbenchError
from harness.request import OptimizerRequest
from simulator.deployment import Deployment
from simulator.errors import SimulatorInputError
from simulator.models import load_model
from simulator.numbers import SCALAR
from simulator.phases.forwards import Forwards
from simulator.serving import Simulator
from simulator.speculative import label

QWEN = dict(device="TEST_DEVICE", num_devices=8, tp=8, input_length=3500, output_length=1500)
LAYER_0_DRAFT = Path(__file__).resolve().parents[1] / "fixtures" / "drafts" / "target-layer-0.json"
"""msmodeling's builtin draft with every ``target_layer_ids`` entry 0, for one-layer targets."""


def dep(**kw) -> Deployment:
    return Deployment.create("Qwen/Qwen3-32B", **QWEN, **kw)


def test_the_defaults_and_the_clamp_to_the_block() -> None:
    d = dep(speculative_method="dspark").draft
    assert (d.block, d.layers, d.acceptance_length, d.markov_rank, d.markov_head) == (
        8, 6, 5.0, 256, "vanilla",
    )  # fmt: skip
    # DSpark proposes every slot: acceptance clamps to the block (DFlash's to block - 1).
    assert dep(speculative_method="dspark", acceptance_length=12).draft.acceptance_length == 8.0
    assert dep(speculative_method="dflash", acceptance_length=12).draft.acceptance_length == 7.0
    assert dep(speculative_method="dspark", acceptance_length=-2).draft.acceptance_length == 0.0
    assert dep(speculative_method="dflash", dspark_markov_rank=64).draft.markov_rank == 0


def test_the_decode_folds_by_the_clamped_acceptance_plus_one() -> None:
    top = dep(speculative_method="dspark", acceptance_length=99, phase="decode")
    five = dep(speculative_method="dspark", phase="decode")
    assert top.tokens_per_decode_step == 9.0 and top.decode_query_len == 8
    assert Simulator(top).probe(32).tpot_ms == pytest.approx(
        Simulator(five).probe(32).tpot_ms * 6 / 9
    )


@pytest.mark.parametrize(
    "kw,field",
    [
        (dict(dspark_markov_rank=-1), "dspark_markov_rank"),
        (dict(dspark_markov_head="lstm"), "dspark_markov_head"),
        (dict(num_mtp_tokens=1), "num_mtp_tokens"),
        (dict(compile=True, dspark_markov_head="gated"), "dspark_markov_head"),
    ],
)
def test_refusals_name_the_field(kw, field) -> None:
    with pytest.raises(SimulatorInputError) as error:
        dep(speculative_method="dspark", **kw)
    assert error.value.field == field


@pytest.mark.parametrize(
    "kw,field",
    [
        (dict(speculative_method="dflash", dspark_markov_head="gated"), "dspark_markov_head"),
        (dict(dspark_markov_rank=128), "dspark_markov_rank"),
        (dict(speculative_method="dspark", num_mtp_tokens=(0, 2)), "num_mtp_tokens"),
    ],
)
def test_the_request_gates(kw, field) -> None:
    with pytest.raises(DeploymentError) as error:
        OptimizerRequest(model="Qwen/Qwen3-32B", num_devices=8, input_length=3500,
                         output_length=1500, tpot_limit_ms=50, **kw)  # fmt: skip
    assert error.value.field == field


@pytest.mark.parametrize(
    "flags,message",
    [
        (["--dspark-markov-rank", "-1"], "--dspark-markov-rank: must be >= 0, got -1"),
        (["--dspark-markov-head", "lstm"], "--dspark-markov-head: 'lstm' is not allowed"),
    ],
)
def test_the_flags_refuse_what_msmodeling_refuses(flags, message, capsys) -> None:
    from harness.cli import main

    base = ["optimize", "Qwen/Qwen3-32B", "--num-devices", "8", "--input-length", "3500",
            "--output-length", "1500", "--speculative-method", "dspark"]  # fmt: skip
    assert main([*base, *flags]) == 2
    assert message in capsys.readouterr().err


def one_layer(**kw) -> Forwards:
    model = dataclasses.replace(load_model("Qwen/Qwen3-32B"), num_layers=1)
    return Forwards(
        Deployment.create(model, device="TEST_DEVICE", num_devices=8, tp=8, input_length=128,
                          output_length=2, draft_model_config_path=str(LAYER_0_DRAFT), **kw)
    )  # fmt: skip


TRACES = [
    # msmodeling 84fec85: python -m cli.inference.text_generate MODEL_DIR --device TEST_DEVICE
    # --num-devices 8 --tp-size 8 --num-hidden-layers-override 1 --draft-model-config-path
    # DRAFT --num-queries 4 --query-length BLOCK --decode --speculative-method dspark [flags];
    # its "Total time for analytic" (ms) and "Model weight size" (GB, 3 decimals).
    (dict(), 3.443, 2.643),
    (dict(dspark_markov_head="gated"), 3.553, 2.645),
    (dict(dspark_markov_head="rnn"), 3.680, 2.651),
    (dict(dspark_markov_rank=0), 3.159, 2.561),
    (dict(dspark_markov_head="rnn", dspark_markov_rank=64, num_speculative_tokens=3), 3.154, 2.583),
]


@pytest.mark.parametrize("kw,ms,gib", TRACES)
def test_one_layer_decodes_match_msmodelings_traces(kw, ms, gib) -> None:
    forwards = one_layer(speculative_method="dspark", **kw)
    block = forwards.dep.draft.block
    (decode,) = forwards.costs(SCALAR, [(4, block, block)])
    assert decode.latency_ms == pytest.approx(ms, rel=5e-4)
    assert forwards.weight_bytes / 2**30 == pytest.approx(gib, abs=6e-4)


def test_the_heads_cost_in_decode_only() -> None:
    """A prefill samples nothing: DSpark's prefill is DFlash's with the anchor's lm_head row
    kept (msmodeling: 3.793 ms against DFlash's 3.788 for a 128-token prefill of 4)."""
    dspark, rnn = (
        one_layer(speculative_method="dspark"),
        one_layer(speculative_method="dspark", dspark_markov_head="rnn"),
    )
    (prefill,) = dspark.costs(SCALAR, [(4, 128, 128)])
    (same,) = rnn.costs(SCALAR, [(4, 128, 128)])
    assert prefill.latency_ms == pytest.approx(3.793, rel=5e-4)
    assert same.latency_ms == prefill.latency_ms


def test_the_label_is_msmodelings() -> None:
    assert label("dspark", None, None, None, None) == "DSpark=8/acc=5/markov=256"
    assert label("dspark", 3, 9.0, None, 64) == "DSpark=4/acc=4/markov=64"


MOE_DRAFT = Path(__file__).resolve().parents[1] / "calibration" / "drafts" / "qwen3-30b-a3b.json"
"""msmodeling's builtin draft with ``target_layer_ids`` that fit Qwen3-30B-A3B's 48 layers."""


@pytest.mark.parametrize("method", ["dflash", "dspark"])
def test_an_moe_target_takes_a_draft_whose_layers_it_has(method) -> None:
    """msmodeling's builtin draft reads target layer 58, past Qwen3-30B-A3B's 48 layers (its
    ``build_dspark_draft_and_wrapper`` refuses it, and so do we); a draft config whose layers
    fit runs beside the MoE target (record ``qwen3-30b-a3b-4x-dspark``)."""
    moe = dict(device="TEST_DEVICE", num_devices=4, tp=4, ep=4, input_length=1100, output_length=16)
    with pytest.raises(SimulatorInputError, match="target_layer_ids max=58 out of range") as error:
        Deployment.create("Qwen/Qwen3-30B-A3B", speculative_method=method, **moe)
    assert error.value.field == "draft_model_config_path"
    fitted = Deployment.create("Qwen/Qwen3-30B-A3B", speculative_method=method,
                               draft_model_config_path=str(MOE_DRAFT), **moe)  # fmt: skip
    assert fitted.draft.aux_layers == 6 and fitted.decode_query_len == 8


def test_the_drafts_cache_holds_its_own_kv_heads() -> None:
    """The draft's 8 KV heads are 2 per rank at TP=4 where Qwen3-30B-A3B's 4 are 1: its 6 layers
    cache twice the target's per-layer width (msmodeling: 3.208 GiB at batch 96 of 1024/256)."""
    moe = dict(
        device="TEST_DEVICE", num_devices=4, tp=4, ep=4, input_length=1024, output_length=256
    )
    plain = Simulator(Deployment.create("Qwen/Qwen3-30B-A3B", **moe)).probe(96)
    spec = Simulator(
        Deployment.create(
            "Qwen/Qwen3-30B-A3B",
            speculative_method="dspark",
            draft_model_config_path=str(MOE_DRAFT),
            **moe,
        )
    ).probe(96)
    assert spec.kv_cache_gib == pytest.approx(3.2080078125)
    assert spec.kv_cache_gib / plain.kv_cache_gib == pytest.approx((48 + 12) / 48, rel=0.02)


def test_a_prefill_reports_activation_less_the_heads_it_never_touches() -> None:
    """msmodeling's activation is its traced peak less every weight, and a prefill never touches
    DSpark's heads: at batch 1 (the prefill binds) it logs 0.1939 GiB where DFlash logs 0.2754,
    the heads' 0.0815 apart (records qwen3-32b-8x-dspark and -dflash); the decode's is DFlash's."""
    dspark, dflash = dep(speculative_method="dspark"), dep(speculative_method="dflash")
    assert Simulator(dspark).probe(1).activation_gib == pytest.approx(0.19393, abs=5e-4)
    assert Simulator(dflash).probe(1).activation_gib == pytest.approx(0.27544, abs=5e-4)
    assert Simulator(dspark).probe(208).activation_gib == pytest.approx(
        Simulator(dflash).probe(208).activation_gib
    )


def test_a_scenario_names_its_draft_relative_to_its_file(tmp_path: Path) -> None:
    from harness.scenarios.loader import load_scenario

    scenarios = Path(__file__).resolve().parents[2] / "scenarios"
    request = load_scenario(scenarios / "qwen3-30b-a3b-8x-dspark.yaml").request
    assert request.draft_model_config_path == str(scenarios / "drafts" / "qwen3-30b-a3b.json")
    text = (scenarios / "qwen3-30b-a3b-8x-dspark.yaml").read_text()
    (tmp_path / "x.yaml").write_text(text)  # no drafts/ beside it: refused at its line
    with pytest.raises(SearchbenchError, match=r"x\.yaml:11: deployment\.draft_model_config_path"):
        load_scenario(tmp_path / "x.yaml")
