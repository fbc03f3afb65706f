"""CLI flags generated from the request's knob table, and the request built back from them.

msmodeling's spellings come first (``--tpot-limits``, ``--concurrency-search-strategy``), so its
users can paste their command lines.
"""

from __future__ import annotations

import argparse
import math

from harness.errors import HarnessInputError
from harness.request import BUNDLED_MODEL_IDS, Declared, Kind, SearchRun, request_knobs
from harness.searches import ALIASES, SEARCHES, get_search, load_plugins, msmodeling

DEFAULT_SEARCHES = ("exponential", "two_point", "exhaustive")
FORMATS = ("table", "markdown", "json", "csv")


class Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each flag's default in its help."""


def _limit(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected milliseconds or inf, got {text!r}") from None
    if math.isnan(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0 ms (or inf for none), got {text}")
    return None if math.isinf(value) else value


def _help(declared: Declared) -> str:
    knob = declared.knob
    text = knob.help
    if knob.choices:
        text += f" (allowed: {', '.join(knob.choices)})"
    if declared.name == "model":
        text += f" (bundled: {', '.join(BUNDLED_MODEL_IDS)})"
    return text


def add_knob_flags(parser: argparse.ArgumentParser, *, per_probe_only: bool = False) -> None:
    """One flag per request knob (or only those that shape a single probe)."""
    for declared in request_knobs():
        knob = declared.knob
        if not knob.flags or (per_probe_only and not knob.per_probe):
            continue
        options: dict[str, object] = {"dest": declared.name, "help": _help(declared)}
        if knob.flags[0] == "model":
            parser.add_argument(declared.name, metavar="MODEL", help=options["help"])
            continue
        if knob.kind is Kind.BOOL:
            options["action"] = "store_true"
        elif knob.kind in (Kind.SIZES, Kind.RANGE, Kind.COUNTS):
            options.update(type=int, nargs="*" if knob.kind is Kind.SIZES else "+", metavar="N")
        elif knob.kind is Kind.RATES:
            options.update(type=float, nargs="+", metavar="F")
        else:
            types = {Kind.STR: str, Kind.INT: int, Kind.NUMBER: float, Kind.LIMIT: _limit}
            options["type"] = types[knob.kind]
            if knob.choices:
                options["metavar"] = "NAME"
        if declared.required:
            options["required"] = True
        elif knob.kind not in (Kind.SIZES, Kind.RANGE, Kind.BOOL, Kind.COUNTS, Kind.RATES):
            options["default"] = declared.default
        parser.add_argument(*knob.flags, **options)


def knob_values(args: argparse.Namespace, *, per_probe_only: bool = False) -> dict[str, object]:
    """Request fields from parsed flags: absent sizes keep the request's default."""
    values: dict[str, object] = {}
    for declared in request_knobs():
        knob = declared.knob
        if not knob.flags or (per_probe_only and not knob.per_probe):
            continue
        value = getattr(args, declared.name)
        if knob.kind in (Kind.SIZES, Kind.COUNTS, Kind.RATES):
            value = declared.default if value is None else tuple(value)
        elif knob.kind is Kind.RANGE and value is not None:
            if len(value) > 2:
                raise HarnessInputError(f"{knob.flags[0]}: give MIN MAX or MAX, got {value}")
            value = (1, value[0]) if len(value) == 1 else (value[0], value[1])
        values[declared.name] = value
    return values


def add_search_flags(parser: argparse.ArgumentParser) -> None:
    load_plugins()
    names = ", ".join([*SEARCHES, *ALIASES, "msmodeling:exponential", "package.module:callable"])
    parser.add_argument(
        "--search",
        "--strategy",
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


def add_format_flag(parser: argparse.ArgumentParser, choices: tuple[str, ...] = FORMATS) -> None:
    parser.add_argument(
        "--format",
        choices=choices,
        default="table",
        help="output format; table is GitHub Markdown (markdown is the same), json and csv are "
        "for machines",
    )


def seconds_per_probe(value: str) -> float:
    number = float(value)
    if not (number >= 0 and math.isfinite(number)):
        raise argparse.ArgumentTypeError(f"must be >= 0 seconds, got {value}")
    return number
