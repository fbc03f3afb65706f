"""The pull request's comment, parsed as GitHub-flavoured Markdown (markdown-it-py with its
table rule, as GitHub's renderer has): a verdict line, each regression named in a list and in
a table row, and the sticky marker first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.history.comment import MARKER
from tests.history import synthetic

markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py comes with the dev extra")
REPO = Path(__file__).resolve().parents[2]
HEADERS = ["scenario", "strategy", "search", "answer", "probes", "est. s", "verdict"]


def _parse(text: str) -> dict[str, object]:
    """The comment's blocks as GitHub would render them: paragraphs, list items, the table."""
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(text)
    out: dict[str, list] = {"paragraphs": [], "items": [], "header": [], "rows": []}
    in_item = in_head = in_row = False
    row: list[str] = []
    for token in tokens:
        kind = token.type
        in_item = {"list_item_open": True, "list_item_close": False}.get(kind, in_item)
        in_head = {"thead_open": True, "thead_close": False}.get(kind, in_head)
        if kind == "tr_open":
            in_row, row = True, []
        elif kind == "tr_close":
            in_row = False
            if not in_head:
                out["rows"].append(row)
        elif kind == "inline" and in_row and in_head:
            out["header"].append(token.content)
        elif kind == "inline" and in_row:
            row.append(token.content)
        elif kind == "inline" and in_item:
            out["items"].append(token.content)
        elif kind == "inline":
            out["paragraphs"].append(token.content)
    out["html"] = markdown_it.MarkdownIt("commonmark").enable("table").render(text)
    return out


def _comment(base: Path, new: Path, capsys, *extra: str) -> str:
    capsys.readouterr()
    assert main(["history", "comment", str(base), str(new), *extra]) == 0
    return capsys.readouterr().out


def test_a_worse_report_names_each_regression_in_a_table(tmp_path: Path, capsys) -> None:
    built = synthetic.build(tmp_path)
    base, new = (built.folder / f"{synthetic.SHAS[i]}.json" for i in (3, 5))
    dashboard = "https://github.com/o/r/actions/runs/1/artifacts/2"
    text = _comment(
        base, new, capsys, "--base-name", "merge base ddddddd", "--dashboard", dashboard
    )
    assert text.splitlines()[0] == MARKER
    parsed = _parse(text)
    assert "<table>" in parsed["html"] and parsed["header"] == HEADERS
    verdict = parsed["paragraphs"][1]
    assert verdict.startswith("**FAIL: 2 regressions**: 2 of 8 rows fail (1 answer, 1 probes)")
    assert parsed["items"] == [
        "`alpha` `TP=4,EP=2` `two_point` fails on answer: answer 60 -> 55, probes 6",
        "`alpha` `TP=8` `certified_secant` fails on probes: answer 120, probes 6 -> 9",
    ]
    failing = {tuple(r[:3]): r for r in parsed["rows"] if r[-1].startswith("FAIL")}
    assert failing.keys() == {
        ("alpha", "TP=4,EP=2", "two_point"),
        ("alpha", "TP=8", "certified_secant"),
    }
    assert failing["alpha", "TP=8", "certified_secant"][4] == "6 -> 9"
    assert f'href="{dashboard}"' in parsed["html"]


def test_a_real_worse_report(tmp_path: Path, capsys) -> None:
    scenario = REPO / "scenarios" / "qwen3-32b-8x-disagg-decode.yaml"
    main(["run", str(scenario), "--format", "json"])
    base = tmp_path / "base.json"
    base.write_text(capsys.readouterr().out)
    payload = json.loads(base.read_text())
    worse = [r for r in payload["rows"] if r["search"] == "two_point"]
    for row in worse:
        row["probes"] += 1
    new = tmp_path / "new.json"
    new.write_text(json.dumps(payload))
    parsed = _parse(_comment(base, new, capsys))
    assert parsed["header"] == HEADERS and len(parsed["items"]) == len(worse) > 0
    named = {tuple(r[:3]) for r in parsed["rows"] if r[-1] == "FAIL: probes"}
    assert named == {(r["scenario"], r["strategy"], "two_point") for r in worse}
    for row, item in zip(worse, parsed["items"], strict=True):
        assert f"`{row['strategy']}` `two_point` fails on probes" in item


def test_the_same_report_says_ok(tmp_path: Path, capsys) -> None:
    built = synthetic.build(tmp_path, commits=1)
    (entry,) = built.folder.iterdir()
    parsed = _parse(_comment(entry, entry, capsys))
    assert parsed["paragraphs"][1].startswith("**OK: no regression**: 0 of 7 rows fail")
    assert parsed["items"] == []
    assert "no answer, probe count or projected time changed" in parsed["paragraphs"]
