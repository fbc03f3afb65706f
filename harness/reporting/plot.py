"""Pictures of a scenario's strategy: the curves from the oracle sweep, the limits, the true
boundary, and every search's probes numbered in order. Needs the ``plot`` extra (matplotlib)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from harness.errors import HarnessInputError
from harness.probe import SimulatorTarget, StopReason
from harness.scenarios import Scenario, ScenarioRun

FIGURE_INCHES = (10.0, 10.0)
DPI = 100
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
MAX_SWEEP = 8192


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise HarnessInputError(
            "plotting needs matplotlib: pip install 'searchbench[plot]'"
        ) from None
    return plt


def _outcome_deployment(run: ScenarioRun, key: str):
    outcome = next((o for o in run.outcomes if o.key == key), None)
    if outcome is None:
        raise HarnessInputError(
            f"--strategy: {key!r} is not a strategy of {run.scenario.id} "
            f"(allowed: {', '.join(run.keys)})"
        )
    return run.scenario.request.deployment(outcome.strategy, outcome.max_batched_tokens)


def plot_strategy(run: ScenarioRun, key: str, output: Path) -> Path:
    """Draw one strategy of a scenario run to ``output`` (PNG, 1000 x 1000 pixels)."""
    plt = _pyplot()
    if output.suffix.lower() != ".png":
        raise HarnessInputError(f"-o/--output: plots are PNG files, got {output.name!r}")
    scenario: Scenario = run.scenario
    deployment = _outcome_deployment(run, key)
    results = [run.result(key, s.name) for s in scenario.searches.all]
    oracle = run.result(key, scenario.searches.oracle.name)
    probed = [b for r in results if r.oracle is None for b in r.sequence]
    boundary = oracle.batch_size or 1
    top = int(min(MAX_SWEEP, max([2 * boundary, 16, *(b for b in probed if b <= MAX_SWEEP)])))
    sweep = SimulatorTarget(deployment).sweep(np.arange(1, top + 1))
    panels = {
        "tpot_ms": ("TPOT (ms)", sweep.tpot_ms, deployment.tpot_limit_ms),
        "ttft_ms": ("TTFT (ms)", sweep.ttft_ms, deployment.ttft_limit_ms),
        "available_gib": ("available memory (GiB)", sweep.available_gib, 0.0),
    }
    reason = oracle.oracle.first_infeasible_reason if oracle.oracle else None
    binding = _BINDING.get(reason, "available_gib")
    figure, axes = plt.subplots(4, 1, figsize=FIGURE_INCHES, dpi=DPI)
    fields = ["tpot_ms", "ttft_ms", "available_gib", binding]
    for position, (axis, field) in enumerate(zip(axes, fields, strict=True)):
        label, values, limit = panels[field]
        _draw_curve(axis, sweep.batch_size, values, limit, oracle.batch_size)
        if position == 3:
            _zoom(axis, sweep.batch_size, values, boundary)
            axis.set_title(f"near the boundary: {label}", fontsize=9)
        else:
            axis.set_xlim(0, top * 1.02)
        _draw_probes(axis, [r for r in results if r.trace], field, top)
        axis.set_ylabel(label)
        axis.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="upper left")
    axes[-1].set_xlabel("batch size per DP replica")
    figure.suptitle(f"{scenario.id}  {key}", fontsize=11)
    figure.tight_layout()
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(output, dpi=DPI, metadata={"Software": None})
    except OSError as error:
        plt.close(figure)
        raise HarnessInputError(f"{output}: cannot write the plot: {error.strerror}") from None
    plt.close(figure)
    return output


def _draw_curve(axis, batches, values, limit: float | None, boundary: int | None) -> None:
    finite = np.where(np.isfinite(values), values, np.nan)
    axis.plot(batches, finite, color="0.35", linewidth=1.2, label="oracle sweep")
    if limit is not None:
        axis.axhline(limit, color="tab:red", linestyle="--", linewidth=1, label="limit")
    if boundary is not None:
        axis.axvline(
            boundary,
            color="tab:green",
            linestyle=":",
            linewidth=1.2,
            label=f"true boundary {boundary}",
        )


def _draw_probes(axis, results, field: str, top: int) -> None:
    """Each search's probes on this panel, numbered in the order it made them. Probes that
    would print on top of each other share one label (``4-9``), so the numbers stay legible
    where a search closes in on the boundary."""
    drawn = []
    for index, result in enumerate(results):
        points = [
            (order, o.batch_size, getattr(o, field))
            for order, o in enumerate(result.trace, start=1)
            if o.batch_size <= top
            and getattr(o, field) is not None
            and np.isfinite(getattr(o, field))
        ]
        if not points:
            continue
        _, xs, ys = zip(*points, strict=True)
        axis.scatter(
            xs,
            ys,
            marker=MARKERS[index % len(MARKERS)],
            s=40,
            zorder=3,
            facecolors="none",
            edgecolors=f"C{index}",
            label=f"{result.search} ({result.probes} probes)",
        )
        drawn.append((index, points))
    (x_low, x_high), (y_low, y_high) = axis.get_xlim(), axis.get_ylim()
    span = (max(x_high - x_low, 1e-9), max(y_high - y_low, 1e-9))
    for index, points in drawn:
        for (x, y), orders in _clusters(points, span):
            shown = orders if len(orders) <= 3 else (orders[0], "...", orders[-1])
            label = ",".join(map(str, shown)).replace(",...,", "...")
            axis.annotate(
                label,
                (x, y),
                textcoords="offset points",
                xytext=(4, 4 + 8 * index),
                fontsize=7,
                color=f"C{index}",
            )


LABEL_ROOM = (0.04, 0.06)
"""How close, as shares of the axis spans, two probes' labels may come before they merge."""


def _clusters(points, span):
    """Probes grouped with the first earlier one whose label theirs would overlap."""
    clusters: list[tuple[tuple[float, float], list[int]]] = []
    for order, x, y in points:
        for (cx, cy), orders in clusters:
            near_x = abs(x - cx) / span[0] < LABEL_ROOM[0]
            if near_x and abs(y - cy) / span[1] < LABEL_ROOM[1]:
                orders.append(order)
                break
        else:
            clusters.append(((x, y), [order]))
    return clusters


_BINDING = {StopReason.TPOT_LIMIT: "tpot_ms", StopReason.TTFT_LIMIT: "ttft_ms"}


def _zoom(axis, batches: np.ndarray, values: np.ndarray, boundary: int) -> None:
    low = max(0.0, boundary * 0.9 - 3)
    high = boundary * 1.1 + 4
    axis.set_xlim(low, high)
    window = (batches >= low) & (batches <= high) & np.isfinite(values)
    if window.any():
        spread = np.ptp(values[window]) or abs(values[window][0]) or 1.0
        axis.set_ylim(values[window].min() - 0.15 * spread, values[window].max() + 0.15 * spread)


def plot_file_name(scenario_id: str, key: str) -> str:
    return f"{scenario_id}__{key.replace('=', '').replace(',', '-')}.png"
