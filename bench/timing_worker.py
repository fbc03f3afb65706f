"""One tree's side of the timing gate (``bench/timing_gate.py``): run with that tree on
``PYTHONPATH`` and in it as the working directory, it loads the tree's own scenarios and times,
on request, one scenario's compared searches (baseline and candidates) through ``optimize``, on
a cold simulator, as ``searchbench run`` and pytest run them.

Protocol, one JSON line each way: it first prints ``{"items": [ids]}``; then for each request
``{"item": id, "repeats": n}`` it prints ``{"seconds": s}``, the wall time of n cold runs. It
uses only interfaces older trees have too, so the base of a pull request can serve.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from harness.optimizer import optimize
from harness.scenarios import load_scenario


def _forget() -> None:
    """A cold start: today's tree keeps simulators at its door; older trees kept none."""
    try:
        from harness import door
    except ImportError:
        return
    door.forget()


def _requests(folder: Path) -> dict[str, object]:
    requests = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            scenario = load_scenario(path, path.stem)
        except Exception as error:  # a scenario this tree refuses is not timed, not fatal
            print(f"timing worker: skipped {path.name}: {error}", file=sys.stderr)
            continue
        compared = (scenario.searches.baseline, *scenario.searches.candidates)
        requests[scenario.id] = replace(scenario.request, searches=compared)
    return requests


def main() -> None:
    requests = _requests(Path("scenarios"))
    print(json.dumps({"items": list(requests)}), flush=True)
    for line in sys.stdin:
        ask = json.loads(line)
        request = requests[ask["item"]]
        elapsed = 0.0
        for _ in range(ask["repeats"]):
            _forget()
            start = time.perf_counter()
            optimize(request)
            elapsed += time.perf_counter() - start
        print(json.dumps({"seconds": elapsed}), flush=True)


if __name__ == "__main__":
    main()
