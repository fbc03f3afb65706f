"""Pictures: the mission's scenario at TP=8 renders to a valid PNG of the expected size."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

from harness.cli import main
from harness.errors import HarnessInputError
from harness.reporting.plot import DPI, FIGURE_INCHES, plot_strategy
from harness.scenarios import load_scenario, run_scenario
from tests.plugin.helpers import SCENARIOS

MISSION = SCENARIOS / "qwen3-32b-8x-tpot50-compiled.yaml"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_mission_plot_at_tp8(tmp_path: Path) -> None:
    run = run_scenario(load_scenario(MISSION))
    out = plot_strategy(run, "TP=8", tmp_path / "tp8.png")
    assert png_size(out) == (int(FIGURE_INCHES[0] * DPI), int(FIGURE_INCHES[1] * DPI))
    assert out.stat().st_size > 20_000


def test_plot_command(tmp_path: Path, capsys) -> None:
    target = tmp_path / "out.png"
    assert main(["plot", str(MISSION), "--parallel", "TP=8", "-o", str(target)]) == 0
    assert png_size(target) == (1000, 1000)


def test_unknown_strategy_is_named(tmp_path: Path, capsys) -> None:
    assert main(["plot", str(MISSION), "--parallel", "TP=3", "-o", str(tmp_path / "x.png")]) == 2
    assert "'TP=3' is not a strategy of qwen3-32b-8x-tpot50-compiled (allowed: TP=1, TP=2" in (
        capsys.readouterr().err
    )


def test_run_writes_one_plot_per_strategy(tmp_path: Path) -> None:
    baselines = Path(__file__).resolve().parents[2] / "baselines" / "search"
    args = ["run", str(MISSION), "--baselines", str(baselines), "--plots", str(tmp_path)]
    assert main(args) == 0
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == [f"qwen3-32b-8x-tpot50-compiled__TP{tp}.png" for tp in (1, 2, 4, 8)]


def test_without_matplotlib_the_message_says_what_to_install(monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    run = run_scenario(load_scenario(MISSION))
    with pytest.raises(HarnessInputError, match=r"pip install 'searchbench\[plot\]'"):
        plot_strategy(run, "TP=8", tmp_path / "x.png")
