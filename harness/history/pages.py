"""The dashboard's HTML: the index of scenarios, and a page per scenario with a chart per
strategy and metric (drawn by ``assets/dashboard.js`` from the page's own JSON) and the same
numbers as tables. Every text from a report or a commit is escaped."""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape

from harness.history.commits import Commit
from harness.history.metrics import METRICS
from harness.history.series import Key, Series, Value
from harness.history.sparkline import sparkline

ASSETS = ("uPlot.min.css", "dashboard.css")
SCRIPTS = ("uPlot.iife.min.js", "dashboard.js")


NO_SCRIPT = (
    "<noscript><style>.sb-table{display:block}.sb-charts,.sb-views{display:none}</style></noscript>"
)
"""Without JavaScript a scenario page shows its tables."""


def document(title: str, body: str, scripts: bool) -> str:
    links = "".join(f'<link rel="stylesheet" href="assets/{name}">' for name in ASSETS)
    links += NO_SCRIPT * scripts
    tail = "".join(f'<script src="assets/{name}"></script>' for name in SCRIPTS) * scripts
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>{links}</head>\n"
        f'<body class="charts-view">\n{body}\n{tail}\n</body></html>\n'
    )


def span(commits: Sequence[Commit]) -> str:
    first, last = commits[0], commits[-1]
    return (
        f"{len(commits)} commit{'s' * (len(commits) != 1)}, {first.short} ({first.date[:10]}) "
        f"to {last.short} ({last.date[:10]})"
    )


def legend(colours: dict[str, str], failed: str = "▼ a gate failed") -> str:
    keys = "".join(
        f'<span class="sb-key"><i style="background:{c}"></i>{escape(s)}</span>'
        for s, c in colours.items()
    )
    return f'<p class="sb-legend">{keys}<span class="sb-key sb-failed-key">{failed}</span></p>'


def index_page(series: Series, colours: dict[str, str], pages: dict[str, str]) -> str:
    """Every scenario with a sparkline per metric (totals over its strategies)."""
    totals = [f"{caption} (total)" for caption in METRICS.values()]
    headers = ["scenario", "strategies", "newest gates", *totals]
    rows = []
    for scenario in series.scenarios():
        failed = [bool(f) for f in series.failures.get(scenario, [()] * len(series.commits))]
        searches = series.searches(scenario)
        cells = [
            f'<a href="{escape(pages[scenario])}">{escape(scenario)}</a>',
            str(len(series.strategies(scenario))),
            _newest_gates(series, scenario),
        ]
        for metric, caption in METRICS.items():
            lines = {s: series.totals(scenario, s, metric) for s in searches}
            cells.append(sparkline(f"{caption}, total", lines, colours, failed))
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = (
        f"<header><h1>searchbench history</h1><p>{escape(span(series.commits))}</p>"
        f"{legend(colours, '▮ a gate failed')}</header>\n"
        f'<main><table class="sb-index"><thead><tr>{head}</tr>'
        f"</thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table></main>"
    )
    return document("searchbench history", body, scripts=False)


def _newest_gates(series: Series, scenario: str) -> str:
    failed = series.failures.get(scenario, ((),))[-1]
    if failed:
        items = ", ".join(item for item, _ in failed)
        return f'<span class="sb-bad">✗ {escape(items)}</span>'
    return '<span class="sb-good">✓ passed</span>'


def scenario_page(series: Series, scenario: str, colours: dict[str, str], data: dict) -> str:
    """One scenario: per strategy, a figure per metric and the table view."""
    sections = []
    for position, strategy in enumerate(series.strategies(scenario)):
        figures = "".join(
            f'<figure class="sb-chart" data-strategy="{position}" data-metric="{metric}">'
            f'<figcaption>{escape(caption)}</figcaption><div class="sb-plot"></div></figure>'
            for metric, caption in METRICS.items()
        )
        sections.append(
            f'<section class="sb-strategy"><h2>{escape(strategy)}</h2>'
            f'<div class="sb-charts">{figures}</div>'
            f'<div class="sb-table">{strategy_table(series, scenario, strategy)}</div></section>'
        )
    views = (
        '<div class="sb-views" role="group" aria-label="view">'
        '<button type="button" data-view="charts" aria-pressed="true">Charts</button>'
        '<button type="button" data-view="table" aria-pressed="false">Table</button></div>'
    )
    payload = json.dumps(data, ensure_ascii=False, allow_nan=False)
    for character, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        payload = payload.replace(character, escaped)  # inert inside the script element
    body = (
        f'<header><p><a href="index.html">searchbench history</a></p>'
        f"<h1>{escape(scenario)}</h1><p>{escape(span(series.commits))}</p>{views}"
        f"{legend(colours)}</header>\n<main>\n" + "\n".join(sections) + "\n</main>\n"
        f'<script type="application/json" id="searchbench-data">{payload}</script>'
    )
    return document(f"{scenario} · searchbench history", body, scripts=True)


def strategy_table(series: Series, scenario: str, strategy: str) -> str:
    """Newest commit first: per search its answer, probes and seconds, each with its change."""
    searches = [s for s in series.searches(scenario) if (scenario, strategy, s) in series.rows]
    failed = series.failed_gates(scenario, strategy)
    top = "".join(f'<th colspan="{len(METRICS)}">{escape(s)}</th>' for s in searches)
    second = "".join(f"<th>{escape(c)}</th>" for c in METRICS.values()) * len(searches)
    lines = []
    for index in range(len(series.commits) - 1, -1, -1):
        commit = series.commits[index]
        cells = [
            f'<td title="{escape(commit.sha)}"><code>{commit.short}</code></td>',
            f"<td>{commit.date[:10]}</td>",
            f"<td>{escape(commit.subject)}</td>",
        ]
        for search in searches:
            key: Key = (scenario, strategy, search)
            for metric in METRICS:
                cells.append(f"<td>{_cell(series, key, metric, index)}</td>")
        gates = ", ".join(failed[index])
        cells.append(f'<td class="sb-bad">✗ {escape(gates)}</td>' if gates else "<td></td>")
        mark = ' class="sb-failed-row"' if gates else ""
        lines.append(f"<tr{mark}>{''.join(cells)}</tr>")
    return (
        f'<table class="sb-history"><thead><tr><th rowspan="2">commit</th><th rowspan="2">date'
        f'</th><th rowspan="2">subject</th>{top}<th rowspan="2">failed gates</th></tr>'
        f"<tr>{second}</tr></thead><tbody>{''.join(lines)}</tbody></table>"
    )


def _cell(series: Series, key: Key, metric: str, index: int) -> str:
    present, values = series.present(key), series.values(key, metric)
    if not present[index]:
        return "—"
    shown = _show(values[index])
    if index == 0 or not present[index - 1]:
        return shown
    before, now = values[index - 1], values[index]
    if before == now:
        return shown
    if before is None or now is None:
        return f"{shown} <small>(was {_show(before)})</small>"
    return f"{shown} <small>({now - before:+g})</small>"


def _show(value: Value) -> str:
    return "none" if value is None else f"{value:g}"
