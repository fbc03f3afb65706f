"""The pull-request breaks of issue 20 that used to pass the gate: a search that hides its
probes, an infeasible answer within the tolerance, an exact search that is off by one, and a
search that exits. Each now fails its items with one line naming the search and the problem."""

from __future__ import annotations

from tests.plugin.helpers import project, tamper

EAGER = "qwen3-32b-8x-tpot50-eager"
DECODE = "qwen3-32b-8x-disagg-decode"


def test_a_search_that_hides_its_probes_fails(pytester) -> None:
    project(pytester, EAGER)
    tamper(
        pytester,
        (
            "from harness.searches.exponential import ExponentialParams, exponential\n"
            "spec = searches.SEARCHES['two_point']\n"
            "def hides(probe, params, context):\n"
            "    outcome = exponential(probe, ExponentialParams(), context)\n"
            "    del probe._read().trace[:-1]\n"
            "    return outcome\n"
            "searches.SEARCHES['two_point'] = replace(spec, run=hides)\n"
        ),
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=7, passed=3)
    result.stdout.fnmatch_lines(
        ["*two_point failed on TP=8: altered its probe record: the simulator evaluated 11*"]
    )


def test_an_infeasible_answer_within_the_tolerance_fails(pytester) -> None:
    project(pytester, EAGER)
    tamper(
        pytester,
        (
            "from harness.searches.base import Outcome\n"
            "from harness.searches.exponential import ExponentialParams, exponential\n"
            "spec = searches.SEARCHES['two_point']\n"
            "def one_more(probe, params, context):\n"
            "    outcome = exponential(probe, ExponentialParams(), context)\n"
            "    if outcome.batch_size is None:\n"
            "        return outcome\n"
            "    return Outcome(outcome.batch_size + 1)\n"
            "searches.SEARCHES['two_point'] = replace(spec, run=one_more)\n"
        ),
    )
    result = pytester.runpytest_subprocess()
    result.stdout.fnmatch_lines(["*two_point: infeasible answer: batch *, TPOT *.* > 50*"])
    assert "FAILED scenarios/qwen3-32b-8x-tpot50-eager.yaml::probes" in result.stdout.str()
    assert result.ret == 1


def test_an_exact_search_off_by_one_fails_though_within_the_tolerance(pytester) -> None:
    project(pytester, DECODE)
    tamper(
        pytester,
        (
            "from dataclasses import replace as copy\n"
            "cs = importlib.import_module('harness.searches.certified_secant')\n"
            "spec = searches.SEARCHES['certified_secant']\n"
            "def short(probe, params, context):\n"
            "    outcome = spec.run(probe, params, context)\n"
            "    if outcome.batch_size is None or outcome.batch_size < 100:\n"
            "        return outcome\n"
            "    return copy(outcome, batch_size=outcome.batch_size - 1)\n"
            "searches.SEARCHES['certified_secant'] = replace(spec, run=short)\n"
        ),
    )
    result = pytester.runpytest_subprocess()
    result.stdout.fnmatch_lines(
        [
            "*certified_secant claims exactness but answers *",
            "certified_secant * oracle * (exact) * FAIL",
        ]
    )
    assert result.ret == 1


def test_a_search_that_exits_fails_instead_of_ending_the_session(pytester) -> None:
    project(pytester, EAGER)
    tamper(
        pytester,
        (
            "import sys\n"
            "spec = searches.SEARCHES['two_point']\n"
            "searches.SEARCHES['two_point'] = replace(spec, run=lambda p, q, c: sys.exit(0))\n"
        ),
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=7, passed=3)
    result.stdout.fnmatch_lines(["*two_point failed on TP=8: raised SystemExit: 0*"])
    assert result.ret == 1
