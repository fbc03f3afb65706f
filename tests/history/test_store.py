"""``searchbench history record``: one run report per commit, laid out for git, written
atomically, refusing what is not a run report it can read, with one line."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from harness.cli import main
from harness.history.store import read_history
from tests.history import synthetic


def _record(report: Path, folder: Path, sha: str = synthetic.SHAS[0], *extra: str) -> int:
    command = ["history", "record", str(report), "--commit", sha, "--history", str(folder)]
    return main([*command, "--date", "2026-11-01T13:00:00+01:00", "--subject", "one", *extra])


def _report(tmp_path: Path, index: int = 0, edit=None) -> Path:
    payload = synthetic.report(index)
    if edit:
        edit(payload)
    path = tmp_path / f"report-{index}.json"
    path.write_text(json.dumps(payload))
    return path


def test_a_recorded_commit_is_a_run_report_compare_reads(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "history"
    assert _record(_report(tmp_path), folder) == 0
    assert "recorded aaaaaaa (2026-11-01T12:00:00Z)" in capsys.readouterr().out
    (entry,) = folder.iterdir()
    assert entry.name == f"{synthetic.SHAS[0]}.json"
    payload = json.loads(entry.read_text())
    assert payload["format"] == "searchbench-run" and payload["version"] == 1
    assert payload["commit"] == {
        "sha": synthetic.SHAS[0],
        "date": "2026-11-01T12:00:00Z",
        "subject": "one",
    }
    assert payload["rows"] == synthetic.report(0)["rows"]
    assert main(["compare", str(entry), str(_report(tmp_path))]) == 0


def test_entries_are_laid_out_one_row_per_line_for_git(tmp_path: Path) -> None:
    """Two commits' files differ only in the lines of what changed between their runs."""
    built = synthetic.build(tmp_path)
    files = [(built.folder / f"{sha}.json").read_text().splitlines() for sha in synthetic.SHAS]
    rows, checks = len(synthetic.report(3)["rows"]), len(synthetic.report(3)["checks"])
    assert len(files[3]) == 6 + rows + 2 + checks + 2

    def changed(old: list[str], new: list[str]) -> list[str]:
        return [b.strip() for a, b in zip(old, new, strict=True) if a != b]

    assert [line[:9] for line in changed(files[2], files[3])] == ['"commit":']
    regression = changed(files[3], files[4])
    assert len(regression) == 5, regression  # the commit, two rows, two checks
    assert '"strategy": "TP=8", "search": "certified_secant"' in regression[1]
    assert '"probes": 9' in regression[1] and '"batch_size": 55' in regression[2]


def test_the_history_is_ordered_by_commit_date(tmp_path: Path) -> None:
    built = synthetic.build(tmp_path)
    history = read_history(built.folder)
    assert [c.sha for c in history.commits] == synthetic.SHAS
    assert [c.subject for c in history.commits] == synthetic.SUBJECTS


def test_recording_a_commit_again_replaces_it_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    folder = tmp_path / "history"
    assert _record(_report(tmp_path, 0), folder) == 0
    assert _record(_report(tmp_path, 4), folder) == 0
    (entry,) = folder.iterdir()
    assert json.loads(entry.read_text())["rows"] == synthetic.report(4)["rows"]
    assert entry.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda p: p.update(version=2),
            "run report version 2 is newer than this searchbench reads",
        ),
        (lambda p: p.update(format="searchbench-baseline"), "format 'searchbench-baseline'"),
        (lambda p: p["rows"][0].update(probes=-1), "rows[0].probes: expected a whole number"),
        (lambda p: p["checks"][0].update(passed="yes"), "checks[0].passed: expected true or false"),
    ],
    ids=["newer version", "another format", "a bad row", "a bad check"],
)
def test_what_is_not_a_readable_run_report_is_refused_in_one_line(
    tmp_path: Path, capsys, edit, message
) -> None:
    folder = tmp_path / "history"
    report = _report(tmp_path, edit=edit)
    assert _record(report, folder) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and str(report.name) in err
    assert not folder.exists() or not list(folder.iterdir())


def test_a_commit_must_be_named_in_full_unless_git_knows_it(tmp_path: Path, capsys) -> None:
    assert _record(_report(tmp_path), tmp_path / "history", "abc123") == 2
    assert "--commit: expected a full commit id (40 hex digits)" in capsys.readouterr().err
    assert _record(_report(tmp_path), tmp_path / "history", "2026-11-01") == 2
    assert (
        main(
            [
                "history",
                "record",
                str(_report(tmp_path)),
                "--commit",
                "a" * 40,
                "--date",
                "yesterday",
                "--history",
                str(tmp_path / "h"),
            ]
        )
        == 2
    )
    assert "--date: expected an ISO 8601 date" in capsys.readouterr().err


def test_git_fills_in_the_id_date_and_subject(tmp_path: Path, monkeypatch, capsys) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {
        "GIT_COMMITTER_DATE": "2026-10-30T08:00:00+02:00",
        "GIT_AUTHOR_DATE": "2026-10-30T08:00:00+02:00",
    }

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **env},
        )
        return done.stdout.strip()

    git("init", "-q")
    git("commit", "-q", "--allow-empty", "-m", "Faster certified_secant\n\nbody")
    sha = git("rev-parse", "HEAD")
    monkeypatch.chdir(repo)
    report = _report(tmp_path)
    assert main(["history", "record", str(report), "--commit", sha[:8], "--history", "h"]) == 0
    (entry,) = read_history(repo / "h").entries
    assert (entry.commit.sha, entry.commit.date, entry.commit.subject) == (
        sha,
        "2026-10-30T06:00:00Z",
        "Faster certified_secant",
    )


def test_a_history_file_that_lies_about_its_commit_is_refused(tmp_path: Path, capsys) -> None:
    built = synthetic.build(tmp_path, commits=2)
    first = built.folder / f"{synthetic.SHAS[0]}.json"
    first.rename(built.folder / f"{'0' * 40}.json")
    assert main(["history", "html", str(tmp_path / "out"), "--history", str(built.folder)]) == 2
    err = capsys.readouterr().err
    assert f"{'0' * 40}.json: commit.sha: {synthetic.SHAS[0]} is not the file's name" in err


def test_an_empty_history_says_how_to_start_one(tmp_path: Path, capsys) -> None:
    assert main(["history", "html", str(tmp_path / "out"), "--history", str(tmp_path)]) == 2
    assert "no history here (record one with searchbench history record" in capsys.readouterr().err
