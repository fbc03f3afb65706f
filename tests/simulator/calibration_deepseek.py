"""The DeepSeek-V3 reference deployment of msmodeling's D1b/D2b runs (16 A3 dies, TP=4 x
EP=16, 2048/1024, TPOT 80 ms, compiled). Their probes and single forwards are calibration records
(tests/calibration/deepseek-v3-*.json)."""

from __future__ import annotations

from simulator import Deployment

MODEL = "deepseek-ai/DeepSeek-V3"
SETTINGS = dict(
    device="ATLAS_800_A3_752T_128G_DIE",
    num_devices=16,
    tp=4,
    ep=16,
    input_length=2048,
    output_length=1024,
    compile=True,
    quantize_linear_action="W8A8_DYNAMIC",
    quantize_attention_action="DISABLED",
    tpot_limit_ms=80.0,
)


def deployment(**overrides) -> Deployment:
    """The reference layout, with any setting changed."""
    return Deployment.create(MODEL, **{**SETTINGS, **overrides})
