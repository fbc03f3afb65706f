"""``searchbench history html``: the files it writes, read without a browser. They must work
offline (every script and style a local file), stay small, escape what commits say, and hold
the same numbers as the history (the browser test checks what is drawn)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.cli import main
from harness.history.dashboard import ASSET_FILES
from tests.history import synthetic

MOST_PAGE_BYTES = 100 * 1024
"""A scenario page with everything it loads: the vendored uPlot is 50 KiB of it."""
HOSTILE = "Fix </script><img src=x onerror=alert(1)> & more"


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dashboard")
    built = synthetic.build(folder)
    assert main(["history", "html", str(folder / "out"), "--history", str(built.folder)]) == 0
    return folder / "out"


def _data(page: Path) -> dict:
    found = re.search(
        r'<script type="application/json" id="searchbench-data">(.*?)</script>',
        page.read_text(),
        re.S,
    )
    assert found, page
    return json.loads(found.group(1))


def test_it_writes_an_index_a_page_per_scenario_and_the_library(out: Path) -> None:
    assert sorted(p.name for p in out.glob("*.html")) == [
        "alpha.html",
        "beta-moe.html",
        "index.html",
    ]
    for asset in ASSET_FILES:
        assert (out / "assets" / asset.name).read_bytes() == asset.read_bytes()
    assert "MIT License" in (out / "assets" / "LICENSE.uPlot").read_text()


def test_every_page_works_offline_and_stays_small(out: Path) -> None:
    for page in out.glob("*.html"):
        text = page.read_text()
        loaded = re.findall(r'<(?:script|link|img)[^>]*(?:src|href)="([^"]+)"', text)
        assert loaded and all(re.fullmatch(r"assets/[\w.]+", ref) for ref in loaded), loaded
        assert "http://" not in text and "https://" not in text
        size = page.stat().st_size + sum((out / ref).stat().st_size for ref in loaded)
        assert size < MOST_PAGE_BYTES, (page.name, size)


def test_a_page_holds_the_histories_numbers(out: Path) -> None:
    built = synthetic.SyntheticHistory(out, [])
    data = _data(out / "alpha.html")
    assert [c["sha"] for c in data["commits"]] == synthetic.SHAS
    assert [s["key"] for s in data["strategies"]] == ["TP=8", "TP=4,EP=2"]
    for strategy in data["strategies"]:
        for search, metrics in strategy["values"].items():
            for metric, values in metrics.items():
                assert values == built.values(("alpha", strategy["key"], search), metric)
    tp8 = data["strategies"][0]["failed"]
    assert tp8 == [[], [], [], [], ["regression"], []]


def test_the_table_view_tells_no_row_from_no_answer(out: Path) -> None:
    text = (out / "beta-moe.html").read_text()
    prefill = text[text.index("<h2>TP=2,prefill</h2>") :]
    bodies = re.findall(r"<tbody>(.*?)</tbody>", prefill, re.S)[0]
    cells = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", bodies)]
    assert [row[2:5] for row in cells] == [["8", "9", "5.76"]] * 4 + [["—", "—", "—"]] * 2
    decode = text[text.index("<h2>TP=2,decode</h2>") : text.index("<h2>TP=2,prefill</h2>")]
    assert "<td>none</td><td>2</td><td>1.28</td>" in decode


def test_what_a_commit_says_is_escaped(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text(json.dumps(synthetic.report(0)))
    history = tmp_path / "history"
    record = ["history", "record", str(report), "--commit", "c" * 40, "--history", str(history)]
    assert main([*record, "--date", "2026-11-01", "--subject", HOSTILE]) == 0
    assert main(["history", "html", str(tmp_path / "out"), "--history", str(history)]) == 0
    page = tmp_path / "out" / "alpha.html"
    assert "<img src=x" not in page.read_text()
    assert page.read_text().count("</script>") == 3  # the data and the two scripts
    assert _data(page)["commits"][0]["subject"] == HOSTILE


def test_last_keeps_the_newest_commits(out: Path, tmp_path: Path) -> None:
    history = out.parent / "history"
    assert main(["history", "html", str(tmp_path), "--history", str(history), "--last", "2"]) == 0
    assert [c["sha"] for c in _data(tmp_path / "alpha.html")["commits"]] == synthetic.SHAS[-2:]
