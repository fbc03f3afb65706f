"""The deployment space the fuzzer draws from, in one place: what the simulator supports.

A drawn deployment is one request with one parallel layout, so every example is one strategy
(or two phases of one, in disagg mode). The token budget stays automatic (4x the input), so no
draw needs chunked prefill: each chunked batch size is a step-by-step replay, and an oracle
over thousands of them per draw does not fit fuzzing's time budget. Chunked prefill is gated
by its scenario and calibration tests instead.
"""

from __future__ import annotations

from hypothesis import strategies as st

from harness.request import OptimizerRequest, SearchRun
from simulator import BUNDLED_MODELS, DEVICES, KVQuant, LinearQuant, load_model

DEVICE_COUNTS = (1, 2, 4, 8, 16)
INPUT_LENGTHS = (64, 128, 512, 1024, 2048, 3500, 8000)
OUTPUT_LENGTHS = (16, 128, 256, 1000, 1500, 4000)
TPOT_LIMITS = (None, 15.0, 20.0, 30.0, 50.0, 80.0, 150.0)
TTFT_LIMITS = (None, None, 1000.0, 2000.0, 8000.0, 20000.0)
LINEAR = (
    LinearQuant.W8A8_DYNAMIC,
    LinearQuant.W8A8_DYNAMIC,
    LinearQuant.DISABLED,
    LinearQuant.W4A8_DYNAMIC,
)
KV = (KVQuant.DISABLED, KVQuant.DISABLED, KVQuant.INT8)
MTP_TOKENS = (0, 0, 1, 2)
"""Drawn only for models with MTP layers (DeepSeek); the other knobs refuse MTP."""


def _powers_up_to(n: int) -> list[int]:
    return [1 << i for i in range(n.bit_length())]


@st.composite
def deployments(draw, searches: tuple[SearchRun, ...]) -> OptimizerRequest:
    """One request on one layout; only combinations the simulator accepts are drawn."""
    model_id = draw(st.sampled_from(sorted(BUNDLED_MODELS)))
    model = load_model(model_id)
    device = draw(st.sampled_from(sorted(DEVICES)))
    grid = DEVICES[device].grid.size
    devices = draw(st.sampled_from([n for n in DEVICE_COUNTS if n <= grid]))
    tps = [t for t in _powers_up_to(devices) if model.num_heads % t == 0]
    tp = draw(st.sampled_from(tps))
    ep = moe_dp = None
    if model.is_moe:
        ep = draw(st.sampled_from([e for e in _powers_up_to(devices) if e <= model.num_experts]))
        moe_dp = draw(st.sampled_from([d for d in _powers_up_to(devices // ep)]))
    mtp = draw(st.sampled_from(MTP_TOKENS)) if model.mtp_layers else 0
    shared_tp = bool(model.shared_experts) and draw(st.booleans())
    tpot = draw(st.sampled_from(TPOT_LIMITS))
    ttft = draw(st.sampled_from(TTFT_LIMITS))
    if tpot is None and ttft is None:
        tpot = 50.0
    return OptimizerRequest(
        model=model_id,
        device=device,
        num_devices=devices,
        input_length=draw(st.sampled_from(INPUT_LENGTHS)),
        output_length=draw(st.sampled_from(OUTPUT_LENGTHS)),
        tpot_limit_ms=tpot,
        ttft_limit_ms=ttft,
        compile=draw(st.booleans()),
        disagg=draw(st.integers(0, 6)) == 0,
        quantize_linear_action=draw(st.sampled_from(LINEAR)).value,
        quantize_attention_action=draw(st.sampled_from(KV)).value,
        tp_sizes=(tp,),
        ep_sizes=None if ep is None else (ep,),
        moe_dp_sizes=None if moe_dp is None else (moe_dp,),
        num_mtp_tokens=(mtp,),
        enable_shared_expert_tp=shared_tp,
        searches=searches,
    )
