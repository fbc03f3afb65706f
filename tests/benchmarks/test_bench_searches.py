"""Wall time of each search over the mission's scenario (all four TP sizes).

Probe counts and answers are computed in an untimed call and stored in extra_info.
"""

from __future__ import annotations

import pytest

from harness.optimizer import OptimizerRequest, SearchRun, optimize
from harness.searches import SEARCHES

MAIN = dict(
    model="Qwen/Qwen3-32B", input_length=3500, output_length=1500, num_devices=8, tpot_limit_ms=50
)


@pytest.mark.parametrize("search", list(SEARCHES))
def test_search_on_main_scenario(benchmark, search: str) -> None:
    request = OptimizerRequest(**MAIN, searches=(SearchRun(search),))
    outcomes = optimize(request)
    benchmark.group = "searches: Qwen3-32B 8x TPOT 50 eager"
    benchmark.extra_info["probes"] = sum(o.result.probes for o in outcomes)
    benchmark.extra_info["answers"] = {o.label: o.result.batch_size for o in outcomes}
    benchmark.pedantic(optimize, args=(request,), rounds=5, warmup_rounds=1)
    assert all(o.result.batch_size for o in outcomes)
