"""``searchbench calibrate``: msmodeling's runs as records, and the simulator checked against them.

searchbench calibrate check [RECORDS]       the drift table of every record
searchbench calibrate diff [RECORDS]        the probes whose verdicts differ
searchbench calibrate record --msmodeling PATH --python PY -o FILE -- OPTIMIZER_FLAGS
searchbench calibrate rerecord --msmodeling PATH --python PY [RECORDS]   each record's command again
searchbench calibrate seconds [FOLDER]      projected seconds beside msmodeling's timed runs
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from harness.cli.flags import Formatter, add_knob_flags, knob_values
from harness.errors import HarnessInputError
from harness.request import BUNDLED_MODEL_IDS, OptimizerRequest

SEARCHES = ("exponential", "linear_exponential")
DEFAULT_FOLDER = Path("tests") / "calibration"
SECONDS_FOLDER = DEFAULT_FOLDER / "seconds"


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
        _records_argument(verb)
        verb.set_defaults(handler=check if name == "check" else diff)
    record_ = verbs.add_parser("record", help="record an msmodeling run", formatter_class=Formatter)
    _msmodeling_arguments(record_)
    record_.add_argument("-o", "--output", type=Path, required=True, help="the record to write")
    record_.add_argument("--search", nargs="+", choices=SEARCHES, default=list(SEARCHES),
                         help="msmodeling's searches to run, one run each")  # fmt: skip
    record_.add_argument("--model-id", help="the bundled model the model folder holds "
                         "(default: found by comparing its config.json)")  # fmt: skip
    record_.add_argument("flags", nargs=argparse.REMAINDER, help="-- then msmodeling's flags")
    record_.set_defaults(handler=record)
    again = verbs.add_parser(
        "rerecord",
        help="run every record's msmodeling command again; the drift table of each new record",
        formatter_class=Formatter,
    )
    _records_argument(again)
    _msmodeling_arguments(again)
    again.add_argument("-o", "--output", type=Path, help="a folder for the new records")
    again.set_defaults(handler=rerecord)
    timed = verbs.add_parser(
        "seconds",
        help="the projected seconds beside every timed msmodeling run",
        formatter_class=Formatter,
    )
    timed.add_argument("folder", nargs="?", type=Path, help="a folder of seconds records "
                       f"(default: the project's {SECONDS_FOLDER})")  # fmt: skip
    timed.set_defaults(handler=seconds)


def _records_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("records", nargs="*", type=Path, help="record files or folders "
                        f"(default: the project's {DEFAULT_FOLDER})")  # fmt: skip


def _msmodeling_arguments(parser: argparse.ArgumentParser) -> None:
    """The checkout a command runs, its own Python, and how long one run may take."""
    parser.add_argument("--msmodeling", type=Path, required=True, help="the msmodeling checkout")
    parser.add_argument("--python", type=Path, default=Path("python3"),
                        help="the Python msmodeling is installed in (its own venv)")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per run")


def _records(paths: list[Path]) -> list[Path]:
    from harness.calibration import record_paths
    from harness.scenarios import find_layout

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
        relative_drafts,
        write_record,
    )
    from harness.calibration.rerecord import shown_command

    flags = args.flags[1:] if args.flags[:1] == ["--"] else args.flags
    request, model_arg = _request(flags, args.model_id)
    logs = _logs(args, flags, args.search)
    command = shown_command(flags, model_arg, request.model in BUNDLED_MODEL_IDS)
    payload = record_payload(
        request, logs, command, checkout_commit(args.msmodeling), f"recorded: {command}"
    )
    payload = relative_drafts(payload, Path(args.output).parent)
    print(f"wrote {write_record(args.output, payload)}")
    return 0


def _logs(args: argparse.Namespace, flags: list[str], searches) -> dict[str, list[dict]]:
    from harness.calibration.recorder import run_logged

    return {s: run_logged(args.msmodeling, args.python, flags, s, args.timeout) for s in searches}


def _request(flags: list[str], model_id: str | None) -> tuple[OptimizerRequest, str]:
    """The request the flags make, and the model argument as given."""
    parser = argparse.ArgumentParser(prog="msmodeling flags", add_help=False)
    add_knob_flags(parser)
    parser.add_argument("--jobs", type=int)
    parser.add_argument("--concurrency-search-strategy")
    known, unknown = parser.parse_known_args(flags)
    if unknown:
        raise HarnessInputError(f"msmodeling flags searchbench cannot model: {' '.join(unknown)}")
    values = knob_values(known)
    given = values["model"]
    values["model"] = model_id or _bundled_id(Path(given)) or given
    return OptimizerRequest(**values), given


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


def rerecord(args: argparse.Namespace) -> int:
    """Each record's command, run again by the given checkout, checked with the record's own
    tolerance: msmodeling's drift since the record was made, as tables."""
    import tempfile

    from harness.calibration import load_record
    from harness.calibration.rerecord import optimizer_flags

    paths, failed, skipped = _records(args.records), 0, 0
    with tempfile.TemporaryDirectory() as folder:
        for path in paths:
            old = load_record(path)
            flags, why = optimizer_flags(old)
            if flags is None:
                print(f"{old.id}: not re-recorded, {why}\n")
                skipped += 1
                continue
            failed += not _record_again(args, old, flags, Path(folder))
    done = len(paths) - skipped
    print(f"{failed} of {done} re-recorded records drift past their tolerance, {skipped} skipped")
    return 1 if failed else 0


def _record_again(args: argparse.Namespace, old, flags: list[str], folder: Path) -> bool:
    from harness.calibration import check_record, drift_table, load_record
    from harness.calibration.recorder import (
        OUR_NAME,
        checkout_commit,
        record_payload,
        relative_drafts,
        write_record,
    )
    from harness.calibration.rerecord import with_draft_paths, with_model_folder
    from harness.errors import SearchbenchError

    try:
        run_flags = with_model_folder(old, with_draft_paths(old, flags), folder)
        request, _ = _request(run_flags, str(old.runs[0].deployment["model"]))
        seen = {search for run in old.runs for search in run.sequences}
        searches = [s for s in SEARCHES if OUR_NAME[s] in seen] or list(SEARCHES)
        logs = _logs(args, run_flags, searches)
    except SearchbenchError as error:
        print(f"{old.id}: cannot be recorded again: {error}\n")
        return False
    commit = checkout_commit(args.msmodeling)
    payload = record_payload(request, logs, old.msmodeling["command"], commit, old.description)
    payload["tolerance"] = dataclasses.asdict(old.tolerance)
    payload = relative_drafts(payload, Path(args.output or folder))
    out = write_record(Path(args.output or folder) / f"{old.id}.json", payload)
    new = load_record(out)
    drifts = check_record(new)
    print(f"msmodeling {commit}, recorded again:")
    print(drift_table(new, drifts, limit=10) + "\n")
    return all(d.ok for d in drifts)


def seconds_projections(folder: Path | None = None) -> list:
    """Every seconds record in ``folder``, projected through the optimizer as its command says."""
    from harness.calibration.seconds import load_folder, project
    from harness.request import SearchRun
    from harness.scenarios import find_layout

    folder = folder or find_layout().root / SECONDS_FOLDER
    records = load_folder(folder)
    if not records:
        raise HarnessInputError(f"no seconds records under {folder}")
    out = []
    for record in records:
        request, _ = _request(list(record.args), None)
        request = dataclasses.replace(request, searches=(SearchRun(record.search),))
        out.append(project(record, request))
    return out


def seconds(args: argparse.Namespace) -> int:
    """Whole runs within 25% and the expensive probes (those that compiled a shape, and chunked
    batch 512) within 35% of msmodeling's measured seconds (issue 23); exit 1 otherwise."""
    projections = seconds_projections(args.folder)
    print("| run | class | search | jobs | measured s | projected s | ratio | "
          "expensive probes (measured → projected s) | holds |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for p in projections:
        r = p.record
        probes = ", ".join(
            f"{c.batch}: {c.measured_s:.1f} → "
            + ("-" if c.projected_s is None else f"{c.projected_s:.1f}")
            for c in p.expensive_probes
        )
        print(
            f"| {r.name} | {r.model_class} | {r.search} | {r.jobs} | {r.wall_s:.1f} | "
            f"{p.whole_run_s:.1f} | {p.ratio:.2f} | {probes or '-'} | "
            f"{'yes' if p.holds else 'NO'} |"
        )
    held = sum(p.holds for p in projections)
    print(f"\n{held} of {len(projections)} timed runs hold")
    return 0 if held == len(projections) else 1
