"""msmodeling's Qwen3-30B-A3B run (msmodeling-moe-reference.md), one row per layout.

TEST_DEVICE, 8 devices, input 2000, output 1000, TPOT 50 ms, W8A8_DYNAMIC, bf16 KV, eager, MBT 8000.
``boundary`` is the largest feasible batch per DP replica in msmodeling's probe log (None: batch 1
already fails); ``batch`` is the row msmodeling reported, with its TTFT, TPOT and weights.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator import Deployment

MODEL = "Qwen/Qwen3-30B-A3B"
SETTINGS = dict(
    device="TEST_DEVICE",
    num_devices=8,
    input_length=2000,
    output_length=1000,
    tpot_limit_ms=50,
    quantize_linear_action="W8A8_DYNAMIC",
    quantize_attention_action="DISABLED",
    max_batched_tokens=8000,
)


@dataclass(frozen=True)
class MoEReference:
    tp: int
    ep: int
    boundary: int | None
    batch: int | None
    ttft_ms: float | None
    tpot_ms: float | None
    weights_gib: float

    @property
    def id(self) -> str:
        return f"TP{self.tp}-EP{self.ep}"


_W = {1: 5.421, 2: 4.710, 4: 4.354, 8: 4.19}

REFERENCE = [
    MoEReference(1, 1, None, None, None, 127.36, _W[1]),
    MoEReference(1, 2, 1, 1, 1330.769, 31.021, _W[1]),
    MoEReference(1, 4, 2, 2, 2174.224, 48.124, _W[1]),
    MoEReference(1, 8, 40, 40, 3986.160, 49.957, _W[1]),
    MoEReference(2, 1, None, None, None, 67.728, _W[2]),
    MoEReference(2, 2, 2, 2, 1115.479, 31.464, _W[2]),
    MoEReference(2, 4, 3, 3, 1135.968, 48.409, _W[2]),
    MoEReference(2, 8, 66, 66, 4657.012, 49.709, _W[2]),
    MoEReference(4, 1, 1, 1, 510.812, 37.878, _W[4]),
    MoEReference(4, 2, 2, 2, 788.758, 37.054, _W[4]),
    MoEReference(4, 4, 6, 4, 673.423, 29.386, _W[4]),
    MoEReference(4, 8, 125, 125, 5108.596, 49.956, _W[4]),
    MoEReference(8, 1, 2, 2, 509.93, 37.83, _W[8]),
    MoEReference(8, 2, 8, 8, 779.96, 35.06, _W[8]),
    MoEReference(8, 4, 8, 8, 540.46, 31.84, _W[8]),
    MoEReference(8, 8, 152, 152, 4132.06, 49.77, _W[8]),
]


def deployment(reference: MoEReference, **overrides) -> Deployment:
    return Deployment.create(MODEL, tp=reference.tp, ep=reference.ep, **{**SETTINGS, **overrides})


@dataclass(frozen=True)
class MoEForward:
    """One forward of a one-layer copy of the model, as msmodeling's text_generate times it.

    Produced with msmodeling 84fec85 (``python -m cli.inference.text_generate MODEL_DIR
    --device DEVICE --num-devices TP*DP --tp-size TP --dp-size DP --ep-size EP
    [--moe-dp-size MOE_DP] --num-queries QUERIES --query-length QUERY --context-length CONTEXT
    [--decode] [--compile] --num-hidden-layers-override 1``; ``--decode`` when QUERY is 1).
    QUERIES is global: each DP replica runs ceil(QUERIES / DP) of them.
    """

    model: str
    device: str
    tp: int
    dp: int
    ep: int
    moe_dp: int
    queries: int
    query: int
    context: int
    compiled: bool
    ms: float

    @property
    def id(self) -> str:
        mode = "c" if self.compiled else "e"
        return (
            f"{self.model.split('/')[-1]}-{self.device}-tp{self.tp}dp{self.dp}ep{self.ep}"
            f"md{self.moe_dp}-q{self.queries}x{self.query}-{mode}"
        )


_Q30, _Q235 = "Qwen/Qwen3-30B-A3B", "Qwen/Qwen3-235B-A22B"
_T, _A2, _A3 = "TEST_DEVICE", "ATLAS_800_A2_376T_64G", "ATLAS_800_A3_752T_128G_DIE"

FORWARDS = [
    MoEForward(_Q30, _T, 1, 8, 2, 1, 1, 1, 2500, False, 1.223),
    MoEForward(_Q30, _T, 1, 8, 1, 1, 1, 1, 2500, False, 3.234),
    MoEForward(_Q30, _T, 8, 1, 4, 1, 9, 1, 2500, False, 1.242),
    MoEForward(_Q30, _T, 1, 8, 8, 1, 1, 1, 2500, False, 1.059),
    MoEForward(_Q30, _T, 4, 2, 2, 1, 4, 1, 2500, False, 0.937),
    MoEForward(_Q30, _T, 2, 4, 4, 1, 3, 1, 2500, False, 0.770),
    MoEForward(_Q30, _T, 1, 8, 2, 1, 4, 2000, 0, False, 28.484),
    MoEForward(_Q30, _T, 1, 8, 2, 2, 8, 1, 2500, False, 1.156),
    MoEForward(_Q30, _T, 1, 8, 8, 1, 8, 1, 2500, True, 0.777),
    MoEForward(_Q30, _T, 1, 8, 2, 1, 8, 1, 2500, True, 1.015),
    MoEForward(_Q30, _T, 1, 8, 1, 1, 8, 1, 2500, True, 2.445),
    MoEForward(_Q30, _T, 4, 2, 4, 1, 2, 1, 2500, True, 0.577),
    MoEForward(_Q30, _T, 8, 1, 4, 1, 9, 1, 2500, True, 0.928),
    MoEForward(_Q30, _T, 1, 8, 8, 1, 128, 1, 2500, True, 0.898),
    MoEForward(_Q30, _T, 4, 2, 2, 1, 8, 1, 2500, True, 1.099),
    MoEForward(_Q30, _T, 4, 2, 2, 1, 128, 1, 2500, True, 0.883),
    MoEForward(_Q30, _T, 1, 8, 8, 1, 8, 2000, 0, True, 3.215),
    MoEForward(_Q30, _T, 1, 8, 2, 1, 8, 2000, 0, True, 22.419),
    MoEForward(_Q30, _T, 1, 8, 1, 1, 8, 2000, 0, True, 14.407),
    MoEForward(_Q30, _T, 4, 2, 4, 1, 2, 2000, 0, True, 3.855),
    MoEForward(_Q30, _A2, 2, 8, 8, 1, 32, 1, 2500, False, 1.308),
    MoEForward(_Q30, _A2, 1, 16, 4, 1, 16, 1, 2500, False, 1.666),
    MoEForward(_Q30, _A2, 8, 2, 2, 1, 6, 1, 2500, False, 1.365),
    MoEForward(_Q235, _A3, 4, 4, 4, 1, 4, 1, 2500, False, 0.898),
    MoEForward(_Q235, _A3, 1, 16, 16, 1, 16, 1, 2500, False, 1.845),
    MoEForward(_Q235, _A3, 4, 4, 4, 1, 4, 2000, 0, False, 8.828),
    MoEForward(_Q235, _A3, 1, 16, 4, 1, 16, 1, 2500, True, 2.039),
]


UNSEEN_SETTINGS = dict(
    device="ATLAS_800_A3_752T_128G_DIE",
    num_devices=16,
    tp=4,
    ep=16,
    input_length=1024,
    output_length=512,
    tpot_limit_ms=60,
    max_batched_tokens=4096,
)
"""A run the MoE model was never fitted on: msmodeling 84fec85's throughput optimizer on
Qwen3-30B-A3B, 16 A3 dies, TP=4 EP=16 (DP=4), defaults otherwise, every probe logged."""

UNSEEN_PROBES = [  # (batch, TTFT ms, TPOT ms, msmodeling's early stop) in probe order
    (1, 52.767, 23.009, False),
    (512, 9429.333, 71.706, True),
    (256, 4751.214, 46.918, False),
    (384, 7090.274, 59.302, False),
    (448, 8259.803, 65.502, True),
    (416, 7675.038, 62.745, True),
    (400, 7382.656, 61.367, True),
    (392, 7236.465, 60.678, True),
    (388, 7163.369, 60.333, True),
    (386, 7126.686, 60.408, True),
    (385, 7108.447, 60.325, True),
]
UNSEEN_REPORTED_BATCH = 384
