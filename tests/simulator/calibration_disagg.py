"""msmodeling's disaggregated phases for Qwen3-32B on 8 TEST_DEVICEs, every probe it logged.

Produced with msmodeling 84fec85, W8A8_DYNAMIC, bf16 KV, eager, exponential search, a probe
logger wrapped around the optimizers' get_inference_info (outside the checkout):

    python -m cli.inference.throughput_optimizer MODEL_DIR --device TEST_DEVICE --num-devices 8 \
      --input-length 3500 --output-length 1500 --tpot-limit 50 --ttft-limit 20000 --disagg \
      --tp-sizes 8
    python -m cli.inference.throughput_optimizer MODEL_DIR --device TEST_DEVICE --num-devices 8 \
      --input-length 2048 --output-length 1024 --tpot-limit 40 --ttft-limit 5000 --disagg \
      --tp-sizes 4

Rows: (phase, batch per DP replica, TTFT ms for prefill or TPOT ms for decode, early stop).
``reported`` is the row msmodeling printed as each phase's best (its token/s rule).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DisaggRun:
    tp: int
    input_length: int
    output_length: int
    tpot_limit_ms: float
    ttft_limit_ms: float
    max_batched_tokens: int
    probes: tuple[tuple[str, int, float, bool], ...]
    boundary: dict[str, int]
    reported: dict[str, int]


RUNS = (
    DisaggRun(
        tp=8,
        input_length=3500,
        output_length=1500,
        tpot_limit_ms=50,
        ttft_limit_ms=20000,
        max_batched_tokens=14000,
        probes=(
            ("prefill", 1, 274.957, False),
            ("prefill", 512, 68597.605, True),
            ("prefill", 256, 34564.684, True),
            ("prefill", 128, 17548.224, False),
            ("prefill", 192, 26056.454, True),
            ("prefill", 160, 21802.339, True),
            ("prefill", 144, 19675.282, False),
            ("prefill", 152, 20738.811, True),
            ("prefill", 148, 20207.046, True),
            ("prefill", 146, 19937.605, False),
            ("prefill", 147, 20071.454, True),
            ("decode", 1, 14.577, False),
            ("decode", 512, 116.982, True),
            ("decode", 256, 64.306, True),
            ("decode", 128, 39.342, False),
            ("decode", 192, 51.822, True),
            ("decode", 160, 45.582, False),
            ("decode", 176, 48.702, False),
            ("decode", 184, 50.262, True),
            ("decode", 180, 49.482, False),
            ("decode", 182, 49.872, False),
            ("decode", 183, 50.067, True),
        ),
        boundary={"prefill": 146, "decode": 182},
        reported={"prefill": 128, "decode": 182},
    ),
    DisaggRun(
        tp=4,
        input_length=2048,
        output_length=1024,
        tpot_limit_ms=40,
        ttft_limit_ms=5000,
        max_batched_tokens=8192,
        probes=(
            ("prefill", 1, 246.028, False),
            ("prefill", 512, 61340.676, True),
            ("prefill", 256, 30908.092, True),
            ("prefill", 128, 15691.801, True),
            ("prefill", 64, 8083.655, True),
            ("prefill", 32, 4279.582, False),
            ("prefill", 48, 6181.618, True),
            ("prefill", 40, 5230.6, True),
            ("prefill", 36, 4755.091, False),
            ("prefill", 38, 4980.623, False),
            ("prefill", 39, 5102.791, True),
            ("decode", 1, 18.186, False),
            ("decode", 512, 151.092, True),
            ("decode", 256, 81.368, True),
            ("decode", 128, 49.808, True),
            ("decode", 64, 34.034, False),
            ("decode", 96, 41.921, True),
            ("decode", 80, 37.978, False),
            ("decode", 88, 39.95, False),
            ("decode", 92, 40.935, True),
            ("decode", 90, 40.443, True),
            ("decode", 89, 40.196, True),
        ),
        boundary={"prefill": 38, "decode": 88},
        reported={"prefill": 32, "decode": 88},
    ),
)
