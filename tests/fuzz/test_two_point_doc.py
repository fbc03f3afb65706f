"""docs/two-point-fix.md carries the output of its command, ``python bench/two_point_fix.py``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "two-point-fix.md"
BEGIN, END = "<!-- two-point-fix table: begin -->", "<!-- two-point-fix table: end -->"


def pasted() -> str:
    text = DOC.read_text()
    return text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip()


def command(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "two_point_fix.py"), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_the_doc_holds_the_table_for_every_corpus_and_search() -> None:
    lines = pasted().splitlines()
    for corpus in (
        "library (",
        "fuzz, seed 1 x 1000",
        "fuzz, seed 3 x 1000",
        "fuzz, seeds 1, 2, 3",
    ):
        rows = [line for line in lines if line.startswith(f"| {corpus}")]
        assert [row.split(" | ")[1] for row in rows] == [
            "exponential",
            "two_point",
            "two_point_checked",
        ], corpus


def test_the_command_runs_on_another_draw() -> None:
    out = command("--no-library", "--seeds", "5", "--examples", "8")
    assert "| fuzz, seed 5 x 8 | two_point_checked |" in out


@pytest.mark.nightly
def test_the_doc_holds_what_the_command_prints_today() -> None:
    assert command() == pasted()
