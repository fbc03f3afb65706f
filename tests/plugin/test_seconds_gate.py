"""The seconds gate catches what the probe count cannot: a search that makes exactly the
baseline's probes, answers exactly, and moves its probes onto shapes msmodeling has not run
(a new compiled MoE shape costs a recompile) fails ``::seconds`` with both figures per
strategy, and only that item."""

from __future__ import annotations

from tests.plugin.helpers import project

SCENARIO = """\
description: "MoE compiled: a search that moves its probes onto new shapes"
deployment:
  model: Qwen/Qwen3-30B-A3B
  device: TEST_DEVICE
  num_devices: 8
  tp_sizes: [4]
  ep_sizes: [2]
  input_length: 2000
  output_length: 1000
  tpot_limit_ms: 50
  compile: true
searches:
  candidates: [costly_bisect]
expect:
  fewer_probes: false
"""

COSTLY = '''
from harness.searches import SearchSpec, register
from harness.searches.base import Outcome
from harness.searches.external import NoParams


def costly_bisect(probe, params, context):
    """exponential's probes, each bisection step moved to the costliest of mid-1, mid, mid+1
    while the bracket is wide: the same count and answer, on unseen prefill shapes."""
    if not probe(1).feasible:
        return Outcome(None)
    lo, hi = 1, 512
    while probe(hi).feasible:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        near = range(mid - 1, mid + 2) if hi - lo > 16 else (mid,)
        mid = max(near, key=lambda b: (probe.cost(b), -abs(b - mid)))
        lo, hi = (mid, hi) if probe(mid).feasible else (lo, mid)
    return Outcome(lo)


register(SearchSpec("costly_bisect", costly_bisect, NoParams, "probes where it costs most"))
'''


def test_probes_moved_onto_new_compiled_shapes_fail_the_seconds_gate(pytester) -> None:
    folder = project(pytester)
    (folder / "moe-compiled-moved.yaml").write_text(SCENARIO)
    pytester.makeconftest(COSTLY)
    result = pytester.runpytest("-k", "not regression and not timing")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*moe-compiled-moved: costly_bisect projects * msmodeling s against exponential's *",
            "strategy * search * probes * msmodeling s * baseline probes * baseline s*",
            "TP=4,EP=2 * costly_bisect * 11 * 11 *",
            "whole run * costly_bisect * <= * FAIL",
            "FAILED scenarios/moe-compiled-moved.yaml::seconds*",
        ]
    )
