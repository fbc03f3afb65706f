"""``searchbench plot``: one strategy's curves from the oracle sweep and every search's probes."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.cli.flags import Formatter


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "plot",
        help="draw a scenario's curves and every search's probes",
        description="Draw one strategy of a scenario: TPOT, TTFT and memory from the oracle "
        "sweep, the limits, the true boundary and each search's probes in order. Needs "
        "matplotlib (pip install 'searchbench[plot]').",
        formatter_class=Formatter,
    )
    parser.add_argument("scenario", type=Path, help="a scenario file")
    parser.add_argument(
        "--strategy",
        "--parallel",
        dest="strategy",
        help="strategy key, e.g. TP=8 or TP=2,EP=4 (default: the first)",
    )
    parser.add_argument("-o", "--output", type=Path, required=True, help="PNG file to write")
    parser.set_defaults(handler=command)


def command(args: argparse.Namespace) -> int:
    from harness.reporting.plot import plot_strategy
    from harness.scenarios import find_layout, load_scenario, run_scenario, scenario_id

    layout = find_layout()
    scenario = load_scenario(args.scenario, scenario_id(args.scenario, layout.scenarios))
    run = run_scenario(scenario)
    key = args.strategy or run.keys[0]
    print(f"wrote {plot_strategy(run, key, args.output)}")
    return 0
