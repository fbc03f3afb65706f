"""Speed of the paths users take, against their targets, and against another checkout.

    python bench/speed.py                      # this tree
    python bench/speed.py --against ../main    # this tree and another, side by side
    python bench/speed.py --fuzz               # also the 1000-deployment fuzz run

Every figure times a public path: a probe as a search makes it (a registered search probing
150 distinct batch sizes through the recorder, on a cold simulator), the mission's whole
``optimize``, the fuzz, and whole ``searchbench`` processes. With ``--against`` both trees are
measured in this one run, alternating, so the ratios compare like with like on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from tabulate import tabulate

HERE = Path(__file__).resolve().parent
TREE = HERE.parent
ROWS = (
    ("probe_dense_us", "one probe, Qwen3-32B TP=8 (us)"),
    ("probe_moe_us", "one probe, Qwen3-30B-A3B TP=8 EP=4 (us)"),
    ("probe_deepseek_us", "one probe, DeepSeek-V3 TP=4 EP=16 compiled (us)"),
    ("probe_prefix_cache_us", "one probe, Qwen3-32B TP=8, prefix cache 0.5 (us)"),
    ("probe_serving_cost_us", "one probe, Qwen3-32B TP=8 disagg, serving cost 20 ms (us)"),
    (
        "probe_disagg_chunked_prefill_us",
        "one probe, Qwen3-32B TP=8 disagg, 1024-token chunks of a 3500-token prompt (us)",
    ),
    ("probe_dense_dcp_us", "one probe, Qwen3-32B TP=8 DCP=2 (us)"),
    ("probe_dense_dflash_us", "one probe, Qwen3-32B TP=8 DFlash (us)"),
    ("probe_dense_dspark_us", "one probe, Qwen3-32B TP=8 DSpark, rnn Markov head (us)"),
    ("probe_moe_dspark_us", "one probe, Qwen3-30B-A3B TP=8 EP=4 DSpark (us)"),
    ("probe_deepseek_dflash_us", "one probe, DeepSeek-V3 TP=4 EP=16 DFlash, eager (us)"),
    ("probe_deepseek_dcp_us", "one probe, DeepSeek-V3 TP=4 EP=16 DCP=4 compiled (us)"),
    (
        "probe_dense_quant_extras_us",
        "one probe, Qwen3-32B TP=8, MXFP4 non-expert, row embedding (us)",
    ),
    (
        "probe_moe_quant_extras_us",
        "one probe, Qwen3-30B-A3B TP=8 EP=4, MXFP4 + W8A8 non-expert, col embedding (us)",
    ),
    ("probe_lengths_us", "one probe, Qwen3-32B TP=8, a 10-bin length distribution (us)"),
    ("mission_optimize_ms", "mission optimize, 4 TPs x 3 searches (ms)"),
    ("fuzz_1000_s", "fuzz, 1000 deployments, seed 1 (s)"),
    ("help_s", "searchbench --help, whole process (s)"),
    ("cli_optimize_s", "searchbench optimize, one strategy, whole process (s)"),
)
TARGET_RATIO = {
    "probe_dense_us": 40 / 165,
    "fuzz_1000_s": 10 / 20,
    "help_s": 0.4,
    "cli_optimize_s": 0.4,
}
"""Issue 19's targets as ratios to the code before it (40 us from 145-184, 10 s from 20 s,
40% of a whole process), so they hold on a machine of any speed."""
RELATIVE = {
    "probe_moe_us": ("probe_dense_us", 2.0),
    "probe_deepseek_us": ("probe_dense_us", 2.0),
    "probe_prefix_cache_us": ("probe_dense_us", 1.5),
    "probe_serving_cost_us": ("probe_dense_us", 1.5),
    "probe_disagg_chunked_prefill_us": ("probe_dense_us", 1.5),
    "probe_dense_dcp_us": ("probe_dense_us", 1.5),
    "probe_dense_dflash_us": ("probe_dense_us", 2.0),
    "probe_dense_dspark_us": ("probe_dense_us", 2.0),
    "probe_moe_dspark_us": ("probe_moe_us", 2.0),
    "probe_deepseek_dflash_us": ("probe_deepseek_us", 2.0),
    "probe_deepseek_dcp_us": ("probe_deepseek_us", 1.5),
    "probe_dense_quant_extras_us": ("probe_dense_us", 1.5),
    "probe_moe_quant_extras_us": ("probe_moe_us", 1.5),
    "probe_lengths_us": ("probe_dense_us", 3.0),
}
"""(the plain probe, the most this one may cost against it), measured in the same run: an MoE
probe at most twice a dense one (issue 19), a probe under a mode at most 1.5x the same model's
without it (issue 22), a 10-bin length distribution at most 3x the fixed length (issue 26: each
probe replays its own mixed prefill chunks)."""


def measure(tree: Path, fuzz: bool) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, str(HERE / "measure.py"), *(["--fuzz"] if fuzz else [])]
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def table(mine: dict[str, float], theirs: dict[str, float] | None) -> str:
    rows = []
    for key, label in ROWS:
        if key not in mine:
            continue
        row = [label, f"{mine[key]:.3g}"]
        verdict = ""
        if key in RELATIVE:
            plain, most = RELATIVE[key]
            ratio = mine[key] / mine[plain]
            row.append(f"{ratio:.2f}x {plain.split('_')[1]} (target <= {most:g}x)")
            verdict = "ok" if ratio <= most else "SLOW"
        elif theirs is not None and key in theirs:
            ratio = mine[key] / theirs[key]
            target = TARGET_RATIO.get(key)
            row.append(f"{theirs[key]:.3g}, ratio {ratio:.2f}")
            if target is not None:
                row[-1] += f" (target <= {target:.2f})"
                verdict = "ok" if ratio <= target else "SLOW"
        else:
            row.append("")
        rows.append([*row, verdict])
    headers = ("measurement", "this tree", "against", "verdict")
    return tabulate(rows, headers=headers, tablefmt="github")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another checkout, measured in this run")
    parser.add_argument("--fuzz", action="store_true", help="also time a 1000-deployment fuzz")
    args = parser.parse_args()
    mine = measure(TREE, args.fuzz)
    theirs = measure(args.against.resolve(), args.fuzz) if args.against else None
    print(table(mine, theirs))


if __name__ == "__main__":
    main()
