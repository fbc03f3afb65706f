"""CLI flags generated from the request's knob table, and the request built back from them.

Flags are msmodeling's spellings (``--tpot-limit``, ``--tp-sizes``, and
``--concurrency-search-strategy`` for ``--search``), so its users can paste their command lines.
"""

from __future__ import annotations

import argparse
import math
import sys

from harness.cli.msmodeling_flags import add_answer_flags
from harness.errors import HarnessInputError
from harness.request import BUNDLED_MODEL_IDS, Declared, SearchRun, request_knobs
from harness.searches import ALIASES, SEARCHES, get_search, msmodeling
from harness.seconds import TimeSettings

DEFAULT_SEARCHES = ("exponential", "two_point", "exhaustive")
FORMATS = ("table", "markdown", "json", "csv")


class Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each flag's default in its help once, and only a default that says something: not
    None, not a switch's False, not one the help already states."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        silent = default is None or default is False or default == argparse.SUPPRESS
        if "default" in text or silent or (isinstance(default, (list, tuple)) and not default):
            return text
        return super()._get_help_string(action)


def _help(declared: Declared) -> str:
    knob = declared.knob
    text = knob.help
    choices = getattr(declared.kind, "choices", None)
    if choices:
        text += f" (allowed: {', '.join(choices)})"
    if declared.name == "model":
        text += f" (bundled: {', '.join(BUNDLED_MODEL_IDS)})"
    return text


def _flagged(*, per_probe_only: bool):
    for declared in request_knobs():
        if declared.flag and (declared.per_probe or not per_probe_only):
            yield declared


def add_knob_flags(parser: argparse.ArgumentParser, *, per_probe_only: bool = False) -> None:
    """One flag per request knob (or only those that shape a single probe), shaped by its kind."""
    for declared in _flagged(per_probe_only=per_probe_only):
        options: dict[str, object] = {"dest": declared.name, "help": _help(declared)}
        if declared.flag == "model":
            parser.add_argument(declared.name, metavar="MODEL", nargs="?", help=options["help"])
            parser.add_argument(
                "--model-id", dest="model_id", metavar="MODEL", help="msmodeling's form of MODEL"
            )
            continue
        options.update(declared.kind.flag())
        if declared.required:
            options["required"] = True
        elif options.get("nargs") is None and options.get("action") is None:
            options["default"] = declared.default
        parser.add_argument(*declared.knob.flags, **options)
        for alias in declared.knob.deprecated:
            hidden = parser.add_argument(alias, **{**options, "help": argparse.SUPPRESS})
            hidden.__class__ = _warning(type(hidden), declared.flag)
    add_answer_flags(parser)


def _warning(action: type[argparse.Action], flag: str) -> type[argparse.Action]:
    """An action that prints msmodeling's deprecation line (cli/spec_cli.py) before it acts."""

    class Deprecated(action):  # type: ignore[misc, valid-type]
        def __call__(self, parser, namespace, values, option_string=None):
            print(
                f"WARNING: {option_string} is deprecated; use {flag} instead. The old form "
                "remains accepted for compatibility.",
                file=sys.stderr,
            )
            super().__call__(parser, namespace, values, option_string)

    return Deprecated


def knob_values(args: argparse.Namespace, *, per_probe_only: bool = False) -> dict[str, object]:
    """Request fields from parsed flags, each checked by its kind; absent lists keep their
    default."""
    values: dict[str, object] = {}
    for declared in _flagged(per_probe_only=per_probe_only):
        if declared.flag == "model":
            values["model"] = _model(args)
            continue
        try:
            value = declared.kind.from_flag(getattr(args, declared.name))
        except argparse.ArgumentTypeError as error:
            raise HarnessInputError(f"{declared.flag}: {error}") from None
        if value is None and not declared.knob.nullable:
            value = declared.default
        elif value is not None and declared.flag != "model":
            value = declared.kind.parse(value, _flag_failure(declared))
        values[declared.name] = value
    return values


def _model(args: argparse.Namespace) -> str:
    """MODEL or msmodeling's --model-id (its require_model_id): one of them, or both equal."""
    given = {name for name in (args.model, args.model_id) if name is not None}
    if len(given) != 1:
        what = "MODEL and --model-id differ" if given else "give MODEL (or --model-id)"
        raise HarnessInputError(f"model: {what}")
    return given.pop()


def _flag_failure(declared: Declared):
    def fail(message: str, index: int | None = None):
        where = declared.flag if index is None else f"{declared.flag} item {index + 1}"
        raise HarnessInputError(f"{where}: {message}")

    return fail


def add_search_flags(parser: argparse.ArgumentParser) -> None:
    others = ("an installed plugin's", "msmodeling:exponential", "package.module:callable")
    names = ", ".join([*SEARCHES, *ALIASES, *others])
    parser.add_argument(
        "--search",
        "--concurrency-search-strategy",
        dest="search",
        action="extend",
        nargs="+",
        metavar="NAME",
        help=f"searches to run, in order; repeatable (allowed: {names}; default: "
        f"{' '.join(DEFAULT_SEARCHES)})",
    )
    parser.add_argument(
        "--slo-safety-factor",
        type=float,
        help="two_point's safety factor on the TPOT/TTFT estimate (default: the search's own)",
    )


def add_msmodeling_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--msmodeling",
        metavar="PATH",
        help="an msmodeling checkout, for the msmodeling:exponential and "
        "msmodeling:linear_exponential searches (default: $SEARCHBENCH_MSMODELING, or an "
        "importable serving_cast)",
    )


def use_msmodeling(args: argparse.Namespace) -> None:
    if getattr(args, "msmodeling", None):
        msmodeling.configure(args.msmodeling)


def search_runs(args: argparse.Namespace) -> tuple[SearchRun, ...]:
    factor = args.slo_safety_factor
    if factor is not None and not (factor > 0 and math.isfinite(factor)):
        raise HarnessInputError(f"--slo-safety-factor: must be > 0, got {factor}")
    runs = []
    for name in dict.fromkeys(args.search or DEFAULT_SEARCHES):
        spec = get_search(name)
        params = {}
        if factor is not None and "slo_safety_factor" in spec.params_type.__dataclass_fields__:
            params["slo_safety_factor"] = factor
        runs.append(SearchRun(spec.name, params))
    return tuple(runs)


def add_strategy_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--strategy",
        action="extend",
        nargs="+",
        metavar="KEY",
        help="only these strategies, by key (TP=8, TP=2,EP=4, TP=8,decode; default: all)",
    )


def add_format_flag(parser: argparse.ArgumentParser, choices: tuple[str, ...] = FORMATS) -> None:
    parser.add_argument(
        "--format",
        choices=choices,
        default="table",
        help="output format; table is GitHub Markdown (markdown is the same), json and csv are "
        "for machines",
    )


def _positive_number(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (number > 0 and math.isfinite(number)):
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {value}")
    return number


def _workers(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 4096:
        raise argparse.ArgumentTypeError(f"must be a whole number 1..4096, got {value}")
    return int(value)


def add_time_flags(parser: argparse.ArgumentParser) -> None:
    """The machine msmodeling's projected seconds are for (``harness.seconds``)."""
    defaults = TimeSettings()
    group = parser.add_argument_group("projected msmodeling seconds")
    group.add_argument(
        "--time-scale",
        type=_positive_number,
        default=defaults.scale,
        metavar="X",
        help="multiply every projected second: 0.5 for a machine twice as fast as the one the "
        "prices were measured on",
    )
    group.add_argument(
        "--jobs",
        "--msmodeling-jobs",
        dest="msmodeling_jobs",
        type=_workers,
        default=defaults.jobs,
        metavar="N",
        help="msmodeling's worker processes: its strategies run N at a time, which the "
        "projected seconds price (searchbench's own probes take microseconds, in one process)",
    )
    group.add_argument(
        "--msmodeling-cores",
        type=_workers,
        default=defaults.cores,
        metavar="N",
        help="cores msmodeling's workers share (the calibration machine's by default)",
    )


def time_settings(args: argparse.Namespace) -> TimeSettings:
    return TimeSettings(args.time_scale, args.msmodeling_jobs, args.msmodeling_cores)
