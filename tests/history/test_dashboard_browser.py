"""The dashboard of a synthetic history, loaded from disk in headless Chromium (Debian's,
which ``.ci/run`` installs): every chart is drawn with every data point where the data says,
the tooltip names the commit, the value and the change, failed gates are marked, the table
view shows the same numbers, nothing reaches the console, and the screenshot is not blank.

Without a Chromium binary these tests skip, unless ``SEARCHBENCH_REQUIRE_TOOLS`` is set (as
``.ci/run`` sets it), where they fail instead: CI cannot pass them unseen."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest

from harness.history.dashboard import write_dashboard
from harness.history.store import read_history
from tests.history import synthetic
from tests.history.browser import Browser, Page, find_chromium

CHROMIUM = find_chromium()
if CHROMIUM is None:
    if os.environ.get("SEARCHBENCH_REQUIRE_TOOLS"):
        raise RuntimeError("SEARCHBENCH_REQUIRE_TOOLS is set but no chromium binary is on PATH")
    pytest.skip(
        "no chromium binary on PATH (apt-get install chromium; .ci/run installs it)",
        allow_module_level=True,
    )

PAGES = {"alpha.html": 6, "beta-moe.html": 6, "index.html": 0}
"""Each page and its charts: alpha and beta/moe have two strategies of three metrics."""
FAILED_RED = (214, 39, 40)
METRICS = ("batch_size", "probes", "projected_msmodeling_s")


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory) -> tuple[synthetic.SyntheticHistory, Path]:
    folder = tmp_path_factory.mktemp("history")
    built = synthetic.build(folder)
    write_dashboard(read_history(built.folder), folder / "out")
    return built, folder / "out"


@pytest.fixture(scope="module")
def browser():
    with Browser(CHROMIUM, width=1280, height=900) as running:
        yield running


@pytest.fixture(scope="module")
def pages(browser, dashboard) -> dict[str, Page]:
    """Each page loaded once; a test that hovers or switches views puts the page back."""
    _, out = dashboard
    opened = {name: browser.open(out / name) for name in PAGES}
    for name, charts in PAGES.items():
        if charts:
            opened[name].wait_until(f"document.documentElement.dataset.charts === '{charts}'")
    return opened


def _near(pixel: list[int], colour: tuple[int, int, int], slack: int = 12) -> bool:
    return pixel[3] > 200 and all(abs(a - b) <= slack for a, b in zip(pixel, colour, strict=False))


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


CHARTS_JS = """window.searchbenchCharts.map(c => ({
  strategy: c.strategy, metric: c.metric,
  searches: c.searches.map(s => [s.name, s.color]),
  data: c.plot.data.slice(1),
  width: c.plot.width,
}))"""

PIXELS_JS = """(chart => {
  const u = window.searchbenchCharts[chart].plot;
  const at = (x, y) => Array.from(u.ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data);
  return u.data.slice(1).map(values => values.map((v, i) =>
    v === null ? null : at(u.valToPos(i, 'x', true), u.valToPos(v, 'y', true))));
})(%d)"""
"""Per search and commit, the canvas pixel at the centre of the data point (null: no value)."""

MARKERS_JS = """(chart => {
  const u = window.searchbenchCharts[chart].plot;
  return u.data[0].map(i => Array.from(u.ctx.getImageData(
    Math.round(u.valToPos(i, 'x', true)), Math.round(u.bbox.top - 9 * uPlot.pxRatio), 1, 1).data));
})(%d)"""
"""Per commit, the canvas pixel where its failed-gate marker goes, above the plot."""

CENTRE_JS = """(e => { e.scrollIntoView({block: 'center'}); const b = e.getBoundingClientRect();
  return [b.left + b.width / 2, b.top + b.height / 2]; })(document.querySelector('%s'))"""

POINT_ON_SCREEN_JS = """((chart, k, i) => {
  const c = window.searchbenchCharts[chart];
  c.figure.scrollIntoView({block: 'center'});
  const u = c.plot, box = u.over.getBoundingClientRect();
  return [box.left + u.valToPos(i, 'x'), box.top + u.valToPos(u.data[k][i], 'y')];
})(%d, %d, %d)"""


def test_every_chart_draws_every_point_of_its_data(pages, dashboard) -> None:
    built, _ = dashboard
    for scenario, page_name in (("alpha", "alpha.html"), ("beta/moe", "beta-moe.html")):
        page = pages[page_name]
        strategies = list(dict.fromkeys(k[1] for k in synthetic.SERIES if k[0] == scenario))
        charts = page.evaluate(CHARTS_JS)
        drawn = [(c["strategy"], c["metric"]) for c in charts]
        assert drawn == [(s, m) for s in strategies for m in METRICS]
        for number, chart in enumerate(charts):
            assert chart["width"] >= 240
            names = [name for name, _ in chart["searches"]]
            pixels = page.evaluate(PIXELS_JS % number)
            for k, name in enumerate(names):
                expected = built.values((scenario, chart["strategy"], name), chart["metric"])
                assert chart["data"][k] == expected, (scenario, chart["strategy"], name)
                for i, value in enumerate(expected):
                    if value is None:
                        continue
                    # Where lines meet, the colour on top is one of the searches of that value.
                    owners = [
                        _rgb(colour)
                        for j, (_, colour) in enumerate(chart["searches"])
                        if chart["data"][j][i] == value
                    ]
                    pixel = pixels[k][i]
                    assert any(_near(pixel, o) for o in owners), (chart["strategy"], name, i)
        assert page.console_errors() == []


def test_failed_gates_are_marked_where_they_failed(pages) -> None:
    page = pages["alpha.html"]
    charts = page.evaluate(CHARTS_JS)
    # answers[TP=4,EP=2] failed at commits 4 and 5, the scenario-wide regression gate at 4.
    failed = {"TP=8": {4}, "TP=4,EP=2": {4, 5}}
    for number, chart in enumerate(charts):
        marked = [
            i
            for i, pixel in enumerate(page.evaluate(MARKERS_JS % number))
            if _near(pixel, FAILED_RED)
        ]
        assert marked == sorted(failed[chart["strategy"]]), chart["strategy"]


def test_the_tooltip_names_the_commit_the_value_and_the_change(pages) -> None:
    page = pages["alpha.html"]
    probes_tp8 = 1  # TP=8's second chart: probes
    searches = [name for name, _ in page.evaluate(CHARTS_JS)[probes_tp8]["searches"]]
    k = searches.index("certified_secant") + 1
    x, y = page.evaluate(POINT_ON_SCREEN_JS % (probes_tp8, k, synthetic.REGRESSION))
    page.hover(x, y)
    tip = f"window.searchbenchCharts[{probes_tp8}].plot.over.querySelector('.sb-tooltip')"
    page.wait_until(f"{tip}.style.display === 'block'")
    lines = page.evaluate(f"Array.from({tip}.children).map(e => e.textContent)")
    assert lines[0] == "eeeeeee · 2026-11-05"
    assert lines[1] == synthetic.SUBJECTS[synthetic.REGRESSION]
    assert "● certified_secant: 9 (+3, +50.0%)" in lines
    assert "● exponential: 11 (unchanged)" in lines
    assert lines[-1] == "▼ gate failed: regression"
    visible = page.evaluate(f"{tip}.getBoundingClientRect().width > 0")
    assert visible
    page.hover(1, 1)
    page.wait_until(f"{tip}.style.display === 'none'")
    assert page.console_errors() == []


def test_the_screenshot_is_not_blank_and_the_table_view_reads_the_same(
    pages, tmp_path: Path
) -> None:
    image_module = pytest.importorskip("PIL.Image", reason="Pillow comes with matplotlib (dev)")
    page = pages["alpha.html"]
    shot = tmp_path / "alpha.png"
    shot.write_bytes(page.screenshot())
    image = image_module.open(io.BytesIO(shot.read_bytes())).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50, "a near-blank screenshot"
    white = dict((c, n) for n, c in colours).get((255, 255, 255), 0)
    assert white < 0.97 * image.width * image.height
    present = {c for _, c in colours}
    assert FAILED_RED in present and _rgb("#1f77b4") in present

    page.click(*page.evaluate(CENTRE_JS % "[data-view=table]"))
    page.wait_until("document.body.classList.contains('table-view')")
    hidden = page.evaluate("document.querySelector('.sb-charts').offsetParent === null")
    rows = page.evaluate(
        "Array.from(document.querySelectorAll('.sb-table')[0].querySelectorAll('tbody tr'))"
        ".map(tr => [tr.className, Array.from(tr.cells).map(td => td.textContent)])"
    )
    assert hidden and len(rows) == len(synthetic.SHAS)
    newest_first = [cells[0] for _, cells in rows]
    assert newest_first == [sha[:7] for sha in reversed(synthetic.SHAS)]
    regression = rows[len(rows) - 1 - synthetic.REGRESSION]
    assert regression[0] == "sb-failed-row" and regression[1][-1] == "✗ regression"
    assert "9 (+3)" in regression[1]
    page.click(*page.evaluate(CENTRE_JS % "[data-view=charts]"))
    page.wait_until("document.body.classList.contains('charts-view')")
    assert page.evaluate("document.querySelector('.sb-table').offsetParent === null")
    assert page.console_errors() == []


def test_the_index_draws_a_sparkline_per_scenario_and_metric(pages) -> None:
    page = pages["index.html"]
    rows = page.evaluate(
        """Array.from(document.querySelectorAll('table.sb-index tbody tr')).map(tr => ({
          name: tr.cells[0].textContent,
          link: tr.cells[0].querySelector('a').getAttribute('href'),
          lines: Array.from(tr.querySelectorAll('svg')).map(svg => ({
            width: svg.getBoundingClientRect().width,
            points: Array.from(svg.querySelectorAll('path')).map(
              p => [p.dataset.search, (p.getAttribute('d').match(/[ML]/g) || []).length]),
            failed: svg.querySelectorAll('rect.sb-failed').length,
          })),
        }))"""
    )
    assert [(r["name"], r["link"]) for r in rows] == [
        ("alpha", "alpha.html"),
        ("beta/moe", "beta-moe.html"),
    ]
    alpha, beta = rows
    assert len(alpha["lines"]) == 3 and all(line["width"] > 0 for line in alpha["lines"])
    for line in alpha["lines"]:
        assert sorted(line["points"]) == [
            ["certified_secant", 6],
            ["exponential", 6],
            ["two_point", 6],
        ]
        assert line["failed"] == 2
    # beta/moe: TP=2,decode answers none throughout, TP=2,prefill answers from commit 2.
    assert beta["lines"][0]["points"] == [["exponential", 4]]
    assert beta["lines"][1]["points"] == [["exponential", 6]] and beta["lines"][1]["failed"] == 0
    assert page.console_errors() == []


def test_a_broken_page_is_caught(browser, dashboard, tmp_path: Path) -> None:
    """The checks above can fail: without its chart library a page logs errors and draws
    nothing."""
    _, out = dashboard
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    (broken / "assets" / "uPlot.iife.min.js").unlink()
    page = browser.open(broken / "alpha.html")
    errors = page.wait_until("true") and page.console_errors()
    assert any("uPlot" in error for error in errors), errors
    assert any("uPlot.iife.min.js" in error for error in errors), errors
    assert page.evaluate("document.documentElement.dataset.charts") is None
