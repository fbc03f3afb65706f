"""msmodeling's chunked-prefill run (msmodeling-deepseek-reference.md, C1), every logged probe.

Qwen3-8B, TEST_DEVICE x2, input 8000 / output 500, TPOT 40 ms, eager, W8A8_DYNAMIC, bf16 KV,
--max-batched-tokens 2048 (4 chunks), --tp-sizes 1 2. Rows: (TP, batch per DP replica, TTFT ms,
TPOT ms, msmodeling's verdict).
"""

from __future__ import annotations

import math

SETTINGS = dict(
    device="TEST_DEVICE",
    num_devices=2,
    input_length=8000,
    output_length=500,
    tpot_limit_ms=40,
    max_batched_tokens=2048,
)

PROBES = [
    (1, 1, 609.517, 14.303, "feasible"),
    (1, 2, 1139.806, 15.632, "feasible"),
    (1, 3, 1670.094, 16.958, "feasible"),
    (1, 16, 8563.843, 33.912, "feasible"),
    (1, 20, 10684.997, 39.02, "feasible"),
    (1, 21, 11215.285, 40.289, "stop: tpot_limit"),
    (1, 22, 11745.574, 41.555, "stop: tpot_limit"),
    (1, 24, 12806.15, 44.078, "stop: tpot_limit"),
    (1, 32, 17048.457, 54.041, "stop: tpot_limit"),
    (1, 64, 35266.734, math.inf, "stop: decode_oom"),
    (1, 128, 64134.527, math.inf, "stop: decode_oom"),
    (1, 256, 121870.114, math.inf, "stop: decode_oom"),
    (1, 512, 237341.286, math.inf, "stop: decode_oom"),
]
BOUNDARY = {1: 20, 2: 41}
