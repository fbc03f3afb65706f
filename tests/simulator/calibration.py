"""The mission's Qwen3-32B deployment on TEST_DEVICE, and msmodeling's KV bytes per token for it
(serving model §2.2). msmodeling's run figures are calibration records (tests/calibration/)."""

from __future__ import annotations

from simulator import Deployment

MAIN = dict(
    device="TEST_DEVICE",
    num_devices=8,
    input_length=3500,
    output_length=1500,
    quantize_linear_action="W8A8_DYNAMIC",
    quantize_attention_action="DISABLED",
)
QWEN3_32B = "Qwen/Qwen3-32B"
KV_BYTES_PER_TOKEN = {1: 262_144, 2: 131_072, 4: 65_536, 8: 32_768, 16: 32_768}


def main_deployment(tp: int = 8, compile: bool = False, **overrides) -> Deployment:
    fields = {**MAIN, **overrides}
    return Deployment.create(QWEN3_32B, tp=tp, compile=compile, **fields)
