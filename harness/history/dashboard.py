"""``history html OUT/``: a static dashboard that opens from the file system, with no server and
no network. ``OUT/index.html`` lists the scenarios with sparklines; each scenario has a page of
charts (uPlot, vendored in ``vendor/`` and copied to ``OUT/assets/``) and tables. A page
carries its own data as JSON, so nothing is fetched at run time."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from harness.errors import SearchbenchError
from harness.gates.store import write_atomic
from harness.history.metrics import METRICS
from harness.history.pages import index_page, scenario_page
from harness.history.series import Series
from harness.history.store import History
from harness.scenarios import display_path

HERE = Path(__file__).parent
ASSET_FILES = (
    HERE / "vendor" / "uPlot.iife.min.js",
    HERE / "vendor" / "uPlot.min.css",
    HERE / "vendor" / "LICENSE.uPlot",
    HERE / "assets" / "dashboard.js",
    HERE / "assets" / "dashboard.css",
)
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
"""Tableau's colours without its red, which marks a failed gate."""


@dataclass(frozen=True)
class Dashboard:
    """What ``write_dashboard`` wrote: the index and one page per scenario."""

    index: Path
    pages: dict[str, Path]
    """Scenario id to its page."""

    @property
    def files(self) -> list[Path]:
        return [self.index, *self.pages.values()]


def write_dashboard(history: History, out: Path) -> Dashboard:
    """Write the dashboard of ``history`` into the folder ``out``."""
    series = Series.of(history)
    colours = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(sorted(series.searches()))}
    names = page_names(series.scenarios())
    try:
        (out / "assets").mkdir(parents=True, exist_ok=True)
        for asset in ASSET_FILES:
            shutil.copyfile(asset, out / "assets" / asset.name)
        pages = {}
        for scenario, name in names.items():
            data = page_data(series, scenario, colours)
            pages[scenario] = out / name
            write_atomic(pages[scenario], scenario_page(series, scenario, colours, data))
        write_atomic(out / "index.html", index_page(series, colours, names))
    except OSError as error:
        where = display_path(error.filename or out)
        raise SearchbenchError(f"{where}: cannot write the dashboard ({error.strerror})") from None
    return Dashboard(out / "index.html", pages)


def page_names(scenarios: list[str]) -> dict[str, str]:
    """A file name per scenario id, unique (``moe/x`` is ``moe-x.html``)."""
    names: dict[str, str] = {}
    taken = {"index"}
    for scenario in scenarios:
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", scenario).strip("-.") or "scenario"
        name, number = stem, 2
        while name.lower() in taken:
            name, number = f"{stem}-{number}", number + 1
        taken.add(name.lower())
        names[scenario] = f"{name}.html"
    return names


def page_data(series: Series, scenario: str, colours: dict[str, str]) -> dict[str, object]:
    """What a scenario page's script draws: commits, searches and, per strategy, each
    search's values per metric and the gates that failed at each commit."""
    strategies = []
    for strategy in series.strategies(scenario):
        values = {
            search: {metric: list(series.values(key, metric)) for metric in METRICS}
            for search in series.searches(scenario)
            if (key := (scenario, strategy, search)) in series.rows
        }
        failed = [list(items) for items in series.failed_gates(scenario, strategy)]
        strategies.append({"key": strategy, "values": values, "failed": failed})
    return {
        "scenario": scenario,
        "commits": [{**c.to_dict(), "short": c.short} for c in series.commits],
        "searches": [{"name": s, "color": colours[s]} for s in series.searches(scenario)],
        "metrics": METRICS,
        "strategies": strategies,
    }
