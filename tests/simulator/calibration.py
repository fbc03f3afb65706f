"""msmodeling reference outputs (serving model §2.3, §3.6, §7.2) and their deployments."""

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

BOUNDARY = {
    False: {8: 124, 4: 63, 2: 26, 1: 5},
    True: {8: 193, 4: 91, 2: 37, 1: 11},
}
WEIGHTS_GIB = {1: 31.98, 2: 16.73, 4: 9.10, 8: 5.2837}
KV_BYTES_PER_TOKEN = {1: 262_144, 2: 131_072, 4: 65_536, 8: 32_768, 16: 32_768}

# (tp, compiled, rank batch, query length, sequence length, extra deployment fields, ms)
FORWARDS = [
    (8, False, 1, 1, 4251, {}, 14.577),
    (8, False, 124, 1, 4251, {}, 38.562),
    (8, False, 512, 1, 4251, {}, 116.98),
    (8, False, 1, 3500, 3500, {}, 274.957),
    (8, False, 4, 3500, 3500, {}, 1063.529),
    (8, True, 1, 1, 4251, {}, 7.960),
    (8, True, 124, 1, 4251, {}, 28.128),
    (8, True, 193, 1, 4251, {}, 39.442),
    (8, True, 512, 1, 4251, {}, 94.746),
    (8, True, 1, 3500, 3500, {}, 161.885),
    (8, True, 4, 3500, 3500, {}, 631.237),
    (8, False, 124, 1, 4251, {"quantize_attention_action": "INT8"}, 30.781),
    (16, False, 124, 1, 4251, {"num_devices": 16}, 53.153),
    (1, False, 4, 3500, 3500, {}, 3477.4),
    (2, False, 4, 3500, 3500, {}, 2897.0),
    (4, False, 4, 3500, 3500, {}, 1671.3),
    (1, False, 1, 1, 4251, {}, 41.69),
    (1, False, 128, 1, 4251, {}, 188.37),
    (2, False, 32, 1, 4251, {}, 46.76),
    (4, False, 64, 1, 4251, {}, 40.75),
]


def main_deployment(tp: int = 8, compile: bool = False, **overrides) -> Deployment:
    fields = {**MAIN, **overrides}
    return Deployment.create(QWEN3_32B, tp=tp, compile=compile, **fields)
