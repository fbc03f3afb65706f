"""``searchbench history bisect``: the commit that gave a metric its value, on the synthetic
history (certified_secant improves at commits 1 and 2, regresses at commit 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.history.bisect import bisect
from harness.history.store import read_history
from tests.history import synthetic


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return synthetic.build(tmp_path_factory.mktemp("bisect")).folder


def _bisect(folder: Path, capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["history", "bisect", *args, "--history", str(folder)])
    out, err = capsys.readouterr()
    return code, out, err


def test_bisect_names_the_injected_regression(folder: Path, capsys) -> None:
    code, out, _ = _bisect(folder, capsys, "probes", "alpha")
    regression = synthetic.SHAS[synthetic.REGRESSION]
    assert code == 0
    assert out.startswith(f"probes of alpha: first changed at {regression[:7]} ")
    (line,) = [x for x in out.splitlines() if "certified_secant" in x]
    cells = [cell.strip() for cell in line.strip("|").split("|")]
    assert cells == ["TP=8", "certified_secant", "6", "9", regression[:7], synthetic.SUBJECTS[4]]


def test_bisect_as_json(folder: Path, capsys) -> None:
    code, out, _ = _bisect(folder, capsys, "batch_size", "alpha", "--format", "json")
    assert code == 0
    (change,) = json.loads(out)
    assert change["strategy"] == "TP=4,EP=2" and change["search"] == "two_point"
    assert (change["before"], change["after"]) == (60, 55)
    assert change["commit"]["sha"] == synthetic.SHAS[synthetic.REGRESSION]


def test_bad_and_good_bound_the_commits_blamed(folder: Path) -> None:
    history = read_history(folder)
    before_the_regression = bisect(history, "probes", "alpha", bad=synthetic.SHAS[3][:7])
    (change,) = before_the_regression
    assert change.commit.sha == synthetic.SHAS[2] and (change.before, change.after) == (8, 6)
    after_the_regression = bisect(history, "probes", "alpha", good=synthetic.SHAS[4])
    assert after_the_regression == []
    one_series = bisect(history, "projected_msmodeling_s", "alpha", "TP=8", "certified_secant")
    assert [(c.before, c.after) for c in one_series] == [(3.84, 5.76)]


def test_no_change_and_a_new_strategy_blame_nobody(folder: Path, capsys) -> None:
    code, out, _ = _bisect(folder, capsys, "batch_size", "beta/moe")
    assert code == 0 and out.strip() == "batch_size of beta/moe: no change in the commits examined"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["probes", "gamma"], "scenario: 'gamma' is not in the history (known: alpha, beta/moe)"),
        (["probes", "alpha", "--strategy", "TP=1"], "--strategy: 'TP=1' is not in alpha's"),
        (
            ["probes", "alpha", "--search", "oracle"],
            "(allowed: certified_secant, exponential, two_point)",
        ),
        (["probes", "alpha", "--good", "0000000"], "--good: no commit in"),
        (
            ["probes", "alpha", "--bad", synthetic.SHAS[0]],
            "--good: must be an older commit than --bad",
        ),
    ],
)
def test_bad_arguments_are_one_line(folder: Path, capsys, args, message) -> None:
    code, _, err = _bisect(folder, capsys, *args)
    assert code == 2 and message in err and err.count("\n") == 1


def test_an_unknown_metric_lists_the_allowed_ones(folder: Path, capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["history", "bisect", "tokens", "alpha", "--history", str(folder)])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "'batch_size', 'probes', 'projected_msmodeling_s'" in err
