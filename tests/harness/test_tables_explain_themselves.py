"""What a new user tripped on (issue 20): declared misses marked in the tables, the ``est. s``
column explained, help that shows a default once and only when it says something, and probe
numbers in plots that do not pile up."""

from __future__ import annotations

from pathlib import Path

from harness.cli import build_parser, main
from harness.reporting.plot import _clusters

REPO = Path(__file__).resolve().parents[2]
MISS = REPO / "scenarios" / "llama3.1-8b-1x-a3-bf16-two-point-miss.yaml"


def test_a_declared_miss_is_marked_and_est_s_is_explained(capsys) -> None:
    main(["run", str(MISS)])
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("| TP=1"))
    assert "| 182*" in row
    assert "* two_point at TP=1: a declared miss (msmodeling's linear_exponential caps" in out
    assert out.startswith("est. s: what msmodeling would spend on the search there: the model")
    assert "on that layout; the calibration machine" in out.splitlines()[0]
    main(["run", str(MISS), "--time-scale", "2"])
    assert "on that layout; 2 x its seconds" in capsys.readouterr().out


def test_help_shows_defaults_once_and_never_none() -> None:
    commands = build_parser()._subparsers._group_actions[0].choices
    for name, parser in commands.items():
        text = parser.format_help()
        assert "(default: None)" not in text, name
        assert "(default: False)" not in text, name
        assert "default: default" not in text, name


def test_probes_that_would_overlap_share_one_label() -> None:
    points = [(1, 100.0, 10.0), (2, 101.0, 10.1), (3, 300.0, 30.0), (4, 100.5, 10.05)]
    clusters = _clusters(points, (500.0, 50.0))
    assert [orders for _, orders in clusters] == [[1, 2, 4], [3]]
