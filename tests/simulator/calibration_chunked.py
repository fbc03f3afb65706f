"""The deployment of msmodeling's chunked-prefill run (msmodeling-deepseek-reference.md, C1):
Qwen3-8B, TEST_DEVICE x2, input 8000 / output 500, TPOT 40 ms, eager, --max-batched-tokens 2048
(4 chunks). Its probes are the record tests/calibration/qwen3-8b-2x-chunked.json."""

from __future__ import annotations

SETTINGS = dict(
    device="TEST_DEVICE",
    num_devices=2,
    input_length=8000,
    output_length=500,
    tpot_limit_ms=40,
    max_batched_tokens=2048,
)
BOUNDARY = {1: 20, 2: 41}
"""msmodeling's largest feasible batch per TP."""
