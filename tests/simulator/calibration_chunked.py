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


# A run the chunked replay was never fitted on (msmodeling 84fec85, logged probe by probe):
# Qwen3-14B, TEST_DEVICE x4, TP 2, input 6000 / output 300 (3 chunks of 2048), TPOT 50 ms,
# eager, W8A8_DYNAMIC. Rows: (batch per DP replica, TTFT ms, TPOT ms, early stop) in probe order.
UNSEEN_SETTINGS = dict(
    device="TEST_DEVICE",
    num_devices=4,
    tp=2,
    input_length=6000,
    output_length=300,
    tpot_limit_ms=50,
    max_batched_tokens=2048,
)
UNSEEN_PROBES = [
    (1, 665.474, 13.715, None),
    (512, 249966.524, math.inf, "decode_oom"),
    (256, 135767.127, math.inf, "decode_oom"),
    (128, 78667.429, math.inf, "decode_oom"),
    (64, 35679.787, 65.773, "tpot_limit"),
    (32, 17894.739, 40.574, None),
    (48, 26787.263, 53.494, "tpot_limit"),
    (40, 22341.001, 47.114, None),
    (44, 24564.132, 50.324, "tpot_limit"),
    (42, 23452.567, 48.724, None),
    (43, 24008.349, 49.526, None),
]
UNSEEN_BOUNDARY = 43
