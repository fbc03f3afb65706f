"""bench/held_out.py: the same draw every run, and a table that reflects the searches."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "held_out.py"


def test_the_draw_is_deterministic_and_varies_with_the_seed() -> None:
    bench = runpy.run_path(str(BENCH))
    draw = bench["draw_requests"]
    assert draw(20, 1) == draw(20, 1)
    assert draw(20, 1) != draw(20, 2)


def test_certified_secant_is_exact_on_a_small_draw() -> None:
    bench = runpy.run_path(str(BENCH))
    tallies, _ = bench["tally"](bench["draw_requests"](12, 3), ["exponential", "certified_secant"])
    for name, tally in tallies.items():
        assert tally.strategies > 0
        assert tally.exact == tally.strategies, name
    assert tallies["certified_secant"].probes < tallies["exponential"].probes


def test_an_unknown_search_is_named_with_the_registered_ones() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--configs", "1", "nope"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "unknown search(es) nope" in done.stderr
    assert "certified_secant" in done.stderr
