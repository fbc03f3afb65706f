"""msmodeling's optimizer flags that are not deployment knobs, each with its one-line answer.

A user pastes msmodeling's command line. Every flag of its throughput optimizer (84fec85,
``cli/inference/throughput_optimizer.py`` and ``cli/utils.py``) is then a knob, a harness flag
(``--concurrency-search-strategy``, ``--jobs``, ``--model-id``), or a row here: accepted with
no effect, with the reason, or refused, with the reason. A refused flag fails with one line
instead of argparse's "unrecognized arguments".
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    reason: str
    takes_value: bool = True
    accepted: bool = False
    """Accepted and ignored: it changes nothing a probe or a search computes."""
    accepted_values: tuple[str, ...] = ()
    """Values that are accepted and ignored (what the simulator is already); others refused."""


_PROFILING = "the profiling performance model needs a measured-operator database; the "
_PROFILING += "simulator is msmodeling's analytic model"
_IMAGES = "multimodal image inputs are not modelled (text models only)"

ANSWERS: dict[str, Answer] = {
    "--log-level": Answer("msmodeling's logging; searchbench prints its tables", accepted=True),
    "--chrome-trace": Answer("searchbench traces no forwards", accepted=True),
    "--chrome-trace-file": Answer("searchbench traces no forwards", accepted=True),
    "--dump-original-results": Answer(
        "msmodeling's raw result dump; use --format json or csv", takes_value=False
    ),
    "--performance-model": Answer(_PROFILING, accepted_values=("analytic",)),
    "--profiling-database": Answer(_PROFILING),
    "--profiling-database-path": Answer(_PROFILING),
    "--compilation-config": Answer(
        "compiler passes are not modelled; --compile's fused op inventory is"
    ),
    "--compile-allow-graph-break": Answer(
        "graph breaks are not modelled; --compile's fused op inventory is", takes_value=False
    ),
    "--image-batch-size": Answer(_IMAGES),
    "--image-height": Answer(_IMAGES),
    "--image-width": Answer(_IMAGES),
}


def add_answer_flags(parser: argparse.ArgumentParser) -> None:
    """Every answered flag the parser does not already take, hidden from the help."""
    for flag, answer in ANSWERS.items():
        if flag in parser._option_string_actions:
            continue
        parser.add_argument(
            flag,
            action=_Answered,
            nargs=1 if answer.takes_value else 0,
            dest=argparse.SUPPRESS,
            default=argparse.SUPPRESS,
            help=argparse.SUPPRESS,
        )


class _Answered(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        answer = ANSWERS[option_string]
        if answer.accepted or (values and values[0] in answer.accepted_values):
            return
        parser.error(f"{option_string}: not supported: {answer.reason}")
