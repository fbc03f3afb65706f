"""msmodeling's DeepSeek-V3 outputs (msmodeling-deepseek-reference.md, snapshot 84fec85):
every probe of its TP=4 x EP=16 searches on 16 A3 dies, without and with one MTP token, and
single forwards of one-layer and four-layer copies traced with ``text_generate``."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Run:
    """One of msmodeling's searches: its probes in order, reported batch and memory."""

    mtp: int
    probes: tuple[tuple[int, float, float, float, str | None], ...]
    """(batch per DP replica, TTFT ms, TPOT ms, available GiB, early stop) per probe."""
    exponential: tuple[int, ...]
    linear_exponential: tuple[int, ...]
    boundary: int
    weights_gib: float
    kv_gib_at_boundary: float

    @property
    def id(self) -> str:
        return f"MTP={self.mtp}"

    def deployment(self) -> Deployment:
        return deployment(num_mtp_tokens=self.mtp)


RUNS = [
    Run(
        mtp=0,
        probes=(
            (1, 257.068, 41.934, 6.420, None),
            (512, 62542.710, 248.534, -79.211, "decode_oom"),
            (256, 31513.769, 152.313, -36.271, "decode_oom"),
            (128, 15999.298, 105.514, -14.801, "decode_oom"),
            (64, 8242.063, 84.159, -4.066, "decode_oom"),
            (32, 4363.445, 73.482, 1.296, None),
            (48, 6302.754, 78.820, -1.385, "decode_oom"),
            (40, 5333.099, 76.151, -0.045, "decode_oom"),
            (36, 4848.272, 74.816, 0.724, None),
            (38, 5078.267, 75.801, 0.290, None),
            (39, 5202.817, 76.123, 0.122, None),
            (23, 3257.195, 70.751, 2.803, None),
            (35, 4716.953, 74.781, 0.792, None),
            (41, 5445.795, 76.828, -0.213, "decode_oom"),
        ),
        exponential=(1, 512, 256, 128, 64, 32, 48, 40, 36, 38, 39),
        linear_exponential=(1, 512, 23, 35, 41, 38, 39, 40),
        boundary=39,
        weights_gib=46.417,
        kv_gib_at_boundary=6.542,
    ),
    Run(
        mtp=1,
        probes=(
            (1, 263.052, 22.903, 3.395, None),
            (512, 63926.675, 188.796, -83.736, "decode_oom"),
            (256, 32211.115, 109.145, -40.045, "decode_oom"),
            (128, 16353.335, 69.840, -18.199, "decode_oom"),
            (64, 8424.446, 50.910, -7.277, "decode_oom"),
            (32, 4460.001, 42.539, -1.816, "decode_oom"),
            (16, 2477.778, 38.354, 0.909, None),
            (24, 3468.889, 40.447, -0.453, "decode_oom"),
            (20, 2973.334, 39.401, 0.228, None),
            (22, 3199.206, 39.902, -0.113, "decode_oom"),
            (21, 3080.252, 39.826, 0.057, None),
            (14, 2195.577, 37.798, 1.250, None),
            (25, 3578.523, 40.882, -0.625, "decode_oom"),
            (23, 3329.286, 40.354, -0.284, "decode_oom"),
        ),
        exponential=(1, 512, 256, 128, 64, 32, 16, 24, 20, 22, 21),
        linear_exponential=(1, 512, 14, 21, 25, 23, 22),
        boundary=21,
        weights_gib=49.426,
        kv_gib_at_boundary=3.585,
    ),
]


@dataclass(frozen=True)
class Forward:
    """One ``text_generate`` forward at TP=4 x DP=4 x EP=16, W8A8_DYNAMIC."""

    name: str
    layers: int
    first_dense: int
    rank_batch: int
    query: int
    context: int
    ms: float
    mtp: int = 0
    shared_expert_tp: bool = False
    compiled: bool = True


FORWARDS = [
    Forward("dense-layer-decode-1", 1, 1, 1, 1, 2560, 0.799),
    Forward("moe-layer-decode-1", 1, 0, 1, 1, 2560, 1.199),
    Forward("dense-layer-prefill-2048", 1, 1, 1, 2048, 0, 3.396),
    Forward("moe-layer-prefill-2048", 1, 0, 1, 2048, 0, 4.925),
    Forward("dense-layer-decode-8", 1, 1, 8, 1, 2560, 0.834),
    Forward("moe-layer-decode-8", 1, 0, 8, 1, 2560, 1.593),
    Forward("moe-layer-decode-8-shared-tp", 1, 0, 8, 1, 2560, 1.576, shared_expert_tp=True),
    Forward("four-layers-decode-39", 4, 3, 39, 1, 2560, 3.032),
    Forward("six-layers-decode-39", 6, 3, 39, 1, 2560, 5.419),
    Forward("four-layers-decode-1", 4, 3, 1, 1, 2560, 2.082),
    Forward("four-layers-two-tokens", 4, 3, 1, 2, 2560, 2.087),
    Forward("one-layer-mtp-decode-1", 1, 3, 1, 2, 2560, 1.713, mtp=1),
    Forward("one-layer-mtp-decode-32", 1, 3, 32, 2, 2560, 2.145, mtp=1),
    Forward("four-layers-mtp-decode-1", 4, 3, 1, 2, 2560, 3.399, mtp=1),
    Forward("eager-dense-layer-decode-1", 1, 1, 1, 1, 2560, 0.815, compiled=False),
    Forward("eager-moe-layer-decode-1", 1, 0, 1, 1, 2560, 1.471, compiled=False),
    Forward("eager-moe-layer-prefill-2048", 1, 0, 1, 2048, 0, 7.211, compiled=False),
    # Five requests per rank wake all 16 local experts, each with its own eager op chain.
    Forward("eager-moe-layer-decode-5", 1, 0, 5, 1, 2560, 2.093, compiled=False),
]


@dataclass(frozen=True)
class OtherRun:
    """Another msmodeling exponential run: its probes in order and the row it reported."""

    name: str
    settings: dict
    probes: tuple[tuple[int, float, float, str | None], ...]
    """(batch per DP replica, TTFT ms, TPOT ms, early stop)."""
    batch: int
    weights_gib: float
    kv_gib: float
    tokens_per_s: float


OTHER_RUNS = [
    # TP=8 x EP=16 (DP 2), 1024/512, TPOT 60 ms, MTP=1 with rates 0.8 0.5. Its latencies were
    # never fitted on; its activation (0.58 GiB) fixed the TP-dependent term of the MLA
    # activation fit, together with the TP=4 runs.
    OtherRun(
        "tp8-mtp",
        dict(
            tp=8,
            input_length=1024,
            output_length=512,
            tpot_limit_ms=60.0,
            num_mtp_tokens=1,
            mtp_acceptance_rates=(0.8, 0.5),
        ),
        (
            (1, 123.072, 23.072, None),
            (512, 21159.425, 134.88, "decode_oom"),
            (256, 10661.726, 82.917, "decode_oom"),
            (128, 5412.876, 57.382, "decode_oom"),
            (64, 2788.451, 46.141, None),
            (96, 4100.664, 51.773, "decode_oom"),
            (80, 3444.558, 48.969, "decode_oom"),
            (72, 3116.504, 47.558, "decode_oom"),
            (68, 2952.478, 46.849, "decode_oom"),
            (66, 2868.792, 46.776, None),
            (67, 2910.227, 46.942, None),
        ),
        batch=67,
        weights_gib=47.62,
        kv_gib=5.73,
        tokens_per_s=2854.58,
    ),
    # TP=16 x EP=16 (DP 1), 3000/600, TPOT 100 ms, no MTP: run after the activation fit, so
    # memory as well as latency is unseen here.
    OtherRun(
        "tp16",
        dict(tp=16, input_length=3000, output_length=600, tpot_limit_ms=100.0),
        (
            (1, 219.198, 39.779, None),
            (512, 45614.055, 268.911, "decode_oom"),
            (256, 22983.826, 164.352, "decode_oom"),
            (128, 11668.712, 112.405, "decode_oom"),
            (64, 6011.154, 86.431, "decode_oom"),
            (32, 3182.376, 73.444, None),
            (48, 4596.765, 79.938, "decode_oom"),
            (40, 3889.571, 77.066, None),
            (44, 4243.168, 78.658, None),
            (46, 4413.153, 79.443, "decode_oom"),
            (45, 4326.616, 79.048, "decode_oom"),
        ),
        batch=44,
        weights_gib=44.05,
        kv_gib=9.52,
        tokens_per_s=559.38,
    ),
]
