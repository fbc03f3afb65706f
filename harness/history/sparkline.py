"""Sparklines for the dashboard's index: a small inline SVG per scenario and metric, one path
per search, a dot on the newest value, a red tick under each commit where a gate failed, and
a title (the browser's tooltip) with each search's first and newest value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from harness.history.series import Value

WIDTH, HEIGHT, PAD = 132, 32, 4
FAILED_COLOUR = "#d62728"


def sparkline(
    caption: str,
    lines: Mapping[str, Sequence[Value]],
    colours: Mapping[str, str],
    failed: Sequence[bool],
) -> str:
    """An SVG sparkline: ``lines`` maps a search to its value at every commit."""
    numbers = [v for values in lines.values() for v in values if v is not None]
    low, high = (min(numbers), max(numbers)) if numbers else (0, 1)
    count = max(len(failed), 1)
    span = high - low or 1

    def x(index: int) -> float:
        return PAD + (WIDTH - 2 * PAD) * (index / (count - 1) if count > 1 else 0.5)

    def y(value: float) -> float:
        middle = 0.5 if high == low else (value - low) / span
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * middle

    parts = []
    for search, values in lines.items():
        steps, pen = [], "M"
        for index, value in enumerate(values):
            if value is None:
                pen = "M"
                continue
            steps.append(f"{pen}{x(index):.1f},{y(value):.1f}")
            pen = "L"
        colour = colours[search]
        parts.append(
            f'<path data-search="{escape(search)}" d="{" ".join(steps)}" fill="none" '
            f'stroke="{colour}" stroke-width="1.5"/>'
        )
        newest = next((i for i in range(len(values) - 1, -1, -1) if values[i] is not None), None)
        if newest is not None:
            cx, cy = x(newest), y(values[newest])  # type: ignore[arg-type]
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2" fill="{colour}"/>')
    for index, failing in enumerate(failed):
        if failing:
            parts.append(
                f'<rect class="sb-failed" x="{x(index) - 1:.1f}" y="{HEIGHT - 3}" width="2" '
                f'height="3" fill="{FAILED_COLOUR}"/>'
            )
    title = f"{caption}: " + "; ".join(
        f"{search} {_ends(values)}" for search, values in lines.items()
    )
    return (
        f'<svg class="sb-sparkline" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )


def _ends(values: Sequence[Value]) -> str:
    known = [v for v in values if v is not None]
    if not known:
        return "none"
    first, last = known[0], known[-1]
    return f"{_show(first)}" if first == last else f"{_show(first)} -> {_show(last)}"


def _show(value: float) -> str:
    return f"{value:g}"
