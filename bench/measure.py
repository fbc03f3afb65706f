"""The measurements behind ``bench/speed.py``, printed as one JSON object.

Run in the tree to measure (``PYTHONPATH=TREE python bench/measure.py``): it uses only
interfaces an older tree has too (registering a search, ``optimize``, ``fuzz``, the CLI), so
``speed.py`` can time today's code and another checkout side by side in one run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from harness.optimizer import OptimizerRequest, SearchRun, optimize
from harness.searches import SearchSpec, register
from harness.searches.base import Outcome
from harness.searches.external import NoParams

WALK = 150
"""Distinct batch sizes one walk probes: a search rarely probes a size twice, and a contained
search stops at a probe budget of 200, so the walk stays under it."""
MISSION = dict(
    model="Qwen/Qwen3-32B", num_devices=8, input_length=3500, output_length=1500, tpot_limit_ms=50
)
MOE = dict(
    model="Qwen/Qwen3-30B-A3B", num_devices=8, input_length=2000, output_length=1000,
    tpot_limit_ms=50,
)  # fmt: skip
DEEPSEEK = dict(
    model="deepseek-ai/DeepSeek-V3",
    device="ATLAS_800_A3_752T_128G_DIE",
    num_devices=16,
    input_length=2048,
    output_length=1024,
    tpot_limit_ms=80,
    compile=True,
)
QUANT_EXTRAS_DENSE = dict(
    MISSION, quantize_non_expert_linear_action="MXFP4", mxfp4_group_size=64,
    word_embedding_tp="row",
)  # fmt: skip
QUANT_EXTRAS_MOE = dict(
    MOE, quantize_linear_action="MXFP4", quantize_non_expert_linear_action="W8A8_DYNAMIC",
    word_embedding_tp="col",
)  # fmt: skip
"""The quantization extras (issue 22) on the dense and MoE probes' deployments."""
MOE_DRAFT = os.path.join(
    os.path.dirname(__file__), "..", "scenarios", "drafts", "qwen3-30b-a3b.json"
)
"""msmodeling's builtin draft with target layers that fit Qwen3-30B-A3B (this tree's scenario's)."""
MODES = {
    "probe_prefix_cache_us": (dict(MISSION, prefix_cache_hit_rate=0.5), 8, None),
    "probe_serving_cost_us": (
        dict(MISSION, serving_cost_ms=20.0, ttft_limit_ms=3000.0, disagg=True),
        8,
        None,
    ),
    "probe_disagg_chunked_prefill_us": (
        dict(MISSION, max_batched_tokens=1024, ttft_limit_ms=3000.0, disagg=True),
        8,
        None,
    ),
    "probe_dense_quant_extras_us": (QUANT_EXTRAS_DENSE, 8, None),
    "probe_moe_quant_extras_us": (QUANT_EXTRAS_MOE, 8, 4),
    "probe_dense_dcp_us": (dict(MISSION, dcp_sizes=(2,)), 8, None),
    "probe_deepseek_dcp_us": (dict(DEEPSEEK, dcp_sizes=(4,)), 4, 16),
    "probe_dense_dflash_us": (dict(MISSION, speculative_method="dflash"), 8, None),
    "probe_moe_dspark_us": (
        dict(MOE, speculative_method="dspark", draft_model_config_path=MOE_DRAFT),
        8,
        4,
    ),
    "probe_dense_dspark_us": (
        dict(MISSION, speculative_method="dspark", dspark_markov_head="rnn"),
        8,
        None,
    ),
    "probe_deepseek_dflash_us": (
        dict(DEEPSEEK, compile=False, speculative_method="dflash"),
        4,
        16,
    ),
}
"""Probes under a mode, each held to a multiple of its model's plain probe; skipped on a tree
without the mode (or that refuses it: DSpark before issue 25's second part)."""
TEN_BINS = [(i * 500, (i + 1) * 500, w) for i, w in enumerate((25, 5, 3, 6, 8, 8, 9, 3, 3, 3))]
"""msmodeling's example distribution's first ten bins (0..5000 tokens), weights in percent."""
try:
    from harness import door

    MODES["probe_lengths_us"] = (dict(MISSION, input_length=door.lengths(TEN_BINS)), 8, None)
except (ImportError, AttributeError):  # a tree without length distributions
    pass
CLI_OPTIMIZE = [
    "optimize", "Qwen/Qwen3-32B", "--num-devices", "8", "--tp-sizes", "8", "--input-length",
    "3500", "--output-length", "1500", "--tpot-limit", "50", "--search", "exponential",
]  # fmt: skip


def _walker(probe, params, context):
    """A search that probes batch sizes 1..WALK once each, through the recorder."""
    for batch in range(1, WALK + 1):
        probe(batch)
    return Outcome(1)


register(SearchSpec("bench_walker", _walker, NoParams, "probes 1..WALK once each"))


def _forget() -> None:
    """A cold start: today's tree keeps simulators at its door; older trees kept none."""
    try:
        from harness import door
    except ImportError:
        return
    door.forget()


def _median(call, rounds: int) -> float:
    call()
    samples = []
    for _ in range(rounds):
        _forget()
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def probe_us(deployment: dict, tp: int, ep: int | None = None) -> float:
    """One probe as a search makes it, through the probe interface and its recorder."""
    layout = {"tp_sizes": (tp,), **({"ep_sizes": (ep,)} if ep else {})}
    request = OptimizerRequest(**deployment, **layout, searches=(SearchRun("bench_walker"),))
    outcomes = optimize(request)
    probes = {outcome.result.probes for outcome in outcomes}
    if probes != {WALK}:
        raise SystemExit(f"the walker made {probes} probes, not {WALK}: the figure would lie")
    walks = len(outcomes)  # one walk per strategy and phase: two where disagg runs both
    return _median(lambda: optimize(request), rounds=15) / (WALK * walks) * 1e6


def mission_optimize_ms() -> float:
    """The mission's optimize: 4 TPs x exponential, two_point and certified_secant."""
    runs = tuple(SearchRun(n) for n in ("exponential", "two_point", "certified_secant"))
    request = OptimizerRequest(**MISSION, searches=runs)
    return _median(lambda: optimize(request), rounds=9) * 1e3


def fuzz_s(examples: int = 1000) -> float:
    from harness.fuzz import FuzzSettings, fuzz

    _forget()
    start = time.perf_counter()
    fuzz(FuzzSettings(examples=examples, seed=1, keep_going=True))
    return time.perf_counter() - start


def process_s(args: list[str], rounds: int = 5) -> float:
    """Whole-process wall time of ``python -m harness ARGS`` (start-up and imports included),
    with the bytecode cache an installed package has: one untimed run writes it, even where
    the environment sets PYTHONDONTWRITEBYTECODE."""
    command = [sys.executable, "-m", "harness", *args]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command, capture_output=True, check=False, env=env)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, env=env)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    out = {
        "probe_dense_us": probe_us(MISSION, 8),
        "probe_moe_us": probe_us(MOE, 8, 4),
        "probe_deepseek_us": probe_us(DEEPSEEK, 4, 16),
        "mission_optimize_ms": mission_optimize_ms(),
        "help_s": process_s(["--help"]),
        "cli_optimize_s": process_s(CLI_OPTIMIZE),
    }
    for key, (deployment, tp, ep) in MODES.items():
        try:
            out[key] = probe_us(deployment, tp, ep)
        except (TypeError, ValueError):
            continue  # a tree without the mode's fields, or one that refuses the mode
    if "--fuzz" in sys.argv:
        out["fuzz_1000_s"] = fuzz_s()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
