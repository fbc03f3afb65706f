"""The ledger of known misses: ``baselines/fuzz/<profile or seed<S>-n<N>>.json``.

For every drawn deployment where a heuristic search misses its tolerance of the oracle, it
records the deployment (as ``--save`` writes it), the search, its answer, the oracle's answer and
the miss in %. A run then passes when it finds no miss outside the ledger and no ledger miss grew
worse; misses that are gone are reported as fixed. The file is versioned, and it is written
atomically and only on request (``--update-baselines``), as the scenario baselines are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import SearchbenchError
from harness.fuzz.check import Miss
from harness.fuzz.report import Found, FuzzReport, in_order
from harness.gates import write_atomic
from harness.scenarios.paths import display_path

FORMAT = "searchbench-fuzz-ledger"
VERSION = 1
MAX_BYTES = 16 * 2**20
REPAIR = " (--update-baselines rewrites it)"
ENTRY_FIELDS = ("index", "deployment", "strategy", "search", "answer", "oracle", "miss_pct")


class LedgerError(SearchbenchError):
    """A ledger that cannot be read or is not this draw's; the message names the file."""


@dataclass(frozen=True)
class Ledger:
    path: Path
    seed: int
    examples: int
    tolerance: float
    entries: tuple[Found, ...] = ()
    checked: Mapping[str, int] = field(default_factory=dict)
    """Strategies with monotone feasibility each search was checked on: the rate's denominator."""
    exists: bool = True

    def of(self, search: str) -> list[Found]:
        return [entry for entry in self.entries if entry.finding.search == search]


def load(path: Path, seed: int, examples: int, tolerance: float) -> Ledger:
    """The ledger at ``path``, empty when there is none; one line when it is unusable."""
    shown = display_path(path)
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return Ledger(path, seed, examples, tolerance, exists=False)
    except OSError as error:
        raise LedgerError(f"{shown}: cannot read: {error.strerror or error}{REPAIR}") from None
    if len(data) > MAX_BYTES:
        raise LedgerError(f"{shown}: larger than {MAX_BYTES // 2**20} MiB; not a ledger{REPAIR}")
    try:
        payload = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise LedgerError(f"{shown}: not JSON ({error}){REPAIR}") from None
    ledger = _parse(path, payload)
    wanted = (seed, examples, tolerance)
    if (ledger.seed, ledger.examples, ledger.tolerance) != wanted:
        raise LedgerError(
            f"{shown}: records seed {ledger.seed} x {ledger.examples} deployments at tolerance "
            f"{ledger.tolerance:g}; this run draws seed {seed} x {examples} at {tolerance:g}"
            f"{REPAIR}"
        )
    return ledger


def _parse(path: Path, payload: object) -> Ledger:
    shown = display_path(path)

    def bad(message: str) -> LedgerError:
        return LedgerError(f"{shown}: {message}{REPAIR}")

    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise bad(f'not a fuzz ledger (expected "format": "{FORMAT}")')
    version = payload.get("version")
    if version != VERSION:
        raise bad(f"format version {version!r}; this searchbench reads version {VERSION}")
    try:
        entries = tuple(_entry(item) for item in payload["misses"])
        checked = {str(k): _count(v) for k, v in payload["checked"].items()}
        seed, examples = _count(payload["seed"], signed=True), _count(payload["examples"])
        tolerance = float(payload["tolerance"])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise bad(f"malformed ({type(error).__name__}: {error})") from None
    return Ledger(path, seed, examples, tolerance, in_order(entries), checked)


def _count(value: object, signed: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or (value < 0 and not signed):
        raise ValueError(f"expected a count, got {value!r}")
    return value


def _entry(item: dict) -> Found:
    if not isinstance(item, dict) or set(item) != set(ENTRY_FIELDS):
        raise ValueError(f"an entry needs exactly {', '.join(ENTRY_FIELDS)}")
    answer, oracle = item["answer"], item["oracle"]
    if answer is not None:
        answer = _count(answer)
    miss = Miss(str(item["search"]), str(item["strategy"]), answer, _count(oracle))
    if not isinstance(item["deployment"], dict) or miss.oracle == 0:
        raise ValueError("an entry's deployment is a mapping and its oracle batch >= 1")
    return Found(_count(item["index"]), item["deployment"], miss)


def entry(found: Found) -> dict[str, object]:
    miss = found.finding
    assert isinstance(miss, Miss)
    return {
        "index": found.index,
        "deployment": dict(found.deployment),
        "strategy": miss.strategy,
        "search": miss.search,
        "answer": miss.answer,
        "oracle": miss.oracle,
        "miss_pct": miss.miss_pct,
    }


def render(ledger: Ledger) -> str:
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "seed": ledger.seed,
        "examples": ledger.examples,
        "tolerance": ledger.tolerance,
        "checked": dict(sorted(ledger.checked.items())),
        "misses": [entry(found) for found in in_order(ledger.entries)],
    }
    return json.dumps(payload, indent=2) + "\n"


def updated(ledger: Ledger, report: FuzzReport) -> Ledger:
    """The ledger with this complete run's misses for the searches it checked; other searches'
    entries are kept as they were."""
    ran = {name for name, stats in report.stats.items() if not stats.exact}
    kept = [entry for entry in ledger.entries if entry.finding.search not in ran]
    checked = {k: v for k, v in ledger.checked.items() if k not in ran}
    checked.update({name: report.stats[name].monotone for name in ran})
    entries = [*kept, *(Found(f.index, f.deployment, f.finding) for f in report.misses)]
    return Ledger(
        ledger.path,
        report.settings.seed,
        report.settings.examples,
        report.settings.tolerance,
        in_order(entries),
        checked,
    )


def write(ledger: Ledger) -> Path:
    try:
        write_atomic(ledger.path, render(ledger))
    except OSError as error:
        shown = display_path(ledger.path)
        raise LedgerError(f"{shown}: not written: {error.strerror or error}") from None
    return ledger.path
