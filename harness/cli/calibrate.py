"""``searchbench calibrate``: msmodeling's runs as records, and the simulator checked against them.

searchbench calibrate check [RECORDS]       the drift table of every record
searchbench calibrate diff [RECORDS]        the probes whose verdicts differ
searchbench calibrate record --msmodeling PATH --python PY -o FILE -- OPTIMIZER_FLAGS
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
from pathlib import Path

from harness.cli.flags import Formatter, add_knob_flags, knob_values
from harness.errors import HarnessInputError
from harness.request import BUNDLED_MODEL_IDS, OptimizerRequest
from harness.scenarios import find_layout

SEARCHES = ("exponential", "linear_exponential")
DEFAULT_FOLDER = Path("tests") / "calibration"


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "calibrate",
        help="record msmodeling runs; check the simulator against every record",
        description=__doc__.splitlines()[0],
        formatter_class=Formatter,
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for name, help_ in (
        ("check", "the drift table of every record"),
        ("diff", "verdicts that differ"),
    ):
        verb = verbs.add_parser(name, help=help_, formatter_class=Formatter)
        verb.add_argument("records", nargs="*", type=Path, help="record files or folders "
                          f"(default: the project's {DEFAULT_FOLDER})")  # fmt: skip
        verb.set_defaults(handler=check if name == "check" else diff)
    record_ = verbs.add_parser("record", help="record an msmodeling run", formatter_class=Formatter)
    record_.add_argument("--msmodeling", type=Path, required=True, help="the msmodeling checkout")
    record_.add_argument("--python", type=Path, default=Path("python3"),
                         help="the Python msmodeling is installed in (its own venv)")  # fmt: skip
    record_.add_argument("-o", "--output", type=Path, required=True, help="the record to write")
    record_.add_argument("--search", nargs="+", choices=SEARCHES, default=list(SEARCHES),
                         help="msmodeling's searches to run, one run each")  # fmt: skip
    record_.add_argument("--model-id", help="the bundled model the model folder holds "
                         "(default: found by comparing its config.json)")  # fmt: skip
    record_.add_argument("--timeout", type=float, default=3600.0, help="seconds per run")
    record_.add_argument("flags", nargs=argparse.REMAINDER, help="-- then msmodeling's flags")
    record_.set_defaults(handler=record)


def _records(paths: list[Path]) -> list[Path]:
    from harness.calibration import record_paths

    roots = paths or [find_layout().root / DEFAULT_FOLDER]
    out: list[Path] = []
    for root in roots:
        out += record_paths(root) if root.is_dir() else [root]
    if not out:
        raise HarnessInputError(f"no calibration records under {', '.join(map(str, roots))}")
    return out


def check(args: argparse.Namespace) -> int:
    from harness.calibration import check_record, drift_table, load_record

    failed = 0
    for path in _records(args.records):
        record = load_record(path)
        drifts = check_record(record)
        failed += any(not d.ok for d in drifts)
        print(drift_table(record, drifts, limit=10))
        print()
    print(f"{failed} of {len(_records(args.records))} records drift past their tolerance")
    return 1 if failed else 0


def diff(args: argparse.Namespace) -> int:
    from harness.calibration import check_record, load_record

    found = 0
    for path in _records(args.records):
        record = load_record(path)
        for drift in check_record(record):
            if drift.what in ("feasible", "reason") and not drift.ok:
                found += 1
                print(f"{record.id}: {drift.where}: {drift.what} ours {drift.ours}, "
                      f"msmodeling {drift.theirs}")  # fmt: skip
    print(f"{found} verdicts differ")
    return 1 if found else 0


def record(args: argparse.Namespace) -> int:
    from harness.calibration.recorder import (
        checkout_commit,
        record_payload,
        run_logged,
        write_record,
    )

    flags = args.flags[1:] if args.flags[:1] == ["--"] else args.flags
    request = _request(flags, args.model_id)
    logs = {
        search: run_logged(args.msmodeling, args.python, flags, search, args.timeout)
        for search in args.search
    }
    command = "python -m cli.inference.throughput_optimizer " + shlex.join(flags)
    payload = record_payload(
        request, logs, command, checkout_commit(args.msmodeling), f"recorded: {command}"
    )
    print(f"wrote {write_record(args.output, payload)}")
    return 0


def _request(flags: list[str], model_id: str | None) -> OptimizerRequest:
    parser = argparse.ArgumentParser(prog="msmodeling flags", add_help=False)
    add_knob_flags(parser)
    parser.add_argument("--jobs", type=int)
    parser.add_argument("--concurrency-search-strategy")
    known, unknown = parser.parse_known_args(flags)
    if unknown:
        raise HarnessInputError(f"msmodeling flags searchbench cannot model: {' '.join(unknown)}")
    values = knob_values(known)
    values["model"] = model_id or _bundled_id(Path(values["model"])) or values["model"]
    return OptimizerRequest(**values)


def _bundled_id(folder: Path) -> str | None:
    """The bundled model the folder's config.json describes, field for field as read."""
    from harness import door
    from harness.errors import SearchbenchError

    try:
        config = door.model(str(folder))
    except SearchbenchError:
        return None
    return next(
        (m for m in BUNDLED_MODEL_IDS if dataclasses.replace(config, name=m) == door.model(m)),
        None,
    )
