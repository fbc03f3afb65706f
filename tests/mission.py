"""The mission's scenario as an optimizer request: Qwen3-32B, 8 devices, 3500/1500, TPOT 50 ms."""

from __future__ import annotations

from harness.optimizer import OptimizerRequest, SearchRun

MISSION = OptimizerRequest(
    model="Qwen/Qwen3-32B",
    input_length=3500,
    output_length=1500,
    num_devices=8,
    tpot_limit_ms=50,
    searches=(SearchRun("exponential"), SearchRun("two_point"), SearchRun("exhaustive")),
)
