"""One msmodeling run as a file: the command and commit that made it, every probe it logged
(latencies, memory, verdict) per strategy, each search's probe sequence and reported row, and
single forwards it timed. A record is JSON with a format version; values it does not hold are
left out, and the check compares what is there.

Deployments are written under ``Deployment.create``'s names (the knob names), so a record reads
like the flags of the run that made it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import SearchbenchError
from harness.request.lengths import INPUT_LENGTH

FORMAT = "searchbench-calibration"
VERSION = 1
PROBE_FIELDS = (
    "ttft_ms",
    "tpot_ms",
    "tokens_per_s",
    "weights_gib",
    "kv_cache_gib",
    "activation_gib",
    "available_gib",
)


class RecordError(SearchbenchError):
    """A calibration record that cannot be read: names the file and the field."""


@dataclass(frozen=True)
class Tolerance:
    """How far ours may be from msmodeling's: latencies and weights relative, memory in GiB."""

    latency: float = 0.005
    memory_gib: float = 0.15
    weights: float = 0.002
    kv: float = 0.01
    boundary: float = 0.0
    """Relative; the boundary may also be one batch off when this is above 0 (max(b, 1))."""


@dataclass(frozen=True)
class Probe:
    batch: int
    feasible: bool
    reason: str | None = None
    values: dict[str, float | None] = field(default_factory=dict, hash=False)
    """Any of PROBE_FIELDS that msmodeling logged (None: not evaluated, infinite as inf)."""


@dataclass(frozen=True)
class Run:
    """One strategy of an msmodeling optimizer run."""

    name: str
    deployment: dict[str, object] = field(hash=False)
    probes: tuple[Probe, ...] = ()
    sequences: dict[str, tuple[int, ...]] = field(default_factory=dict, hash=False)
    """Per search (our names), the batch sizes msmodeling's search probed, in order."""
    reported: dict[str, int | None] = field(default_factory=dict, hash=False)
    """Per search, the batch of the row msmodeling reported."""
    boundary: int | None = None
    """The largest feasible batch msmodeling found (None: batch 1 already fails)."""
    boundary_known: bool = False
    batch_range: tuple[int, int] | None = None
    """msmodeling's --batch-range of the run: its searches probe only that range."""
    tolerance: dict[str, float] = field(default_factory=dict, hash=False)
    """This run's own allowances over the record's (``Tolerance`` fields), with the reason
    in ``tolerance_reason``."""
    tolerance_reason: str = ""


@dataclass(frozen=True)
class Forward:
    """One forward msmodeling timed (``text_generate``), on a possibly trimmed model."""

    name: str
    deployment: dict[str, object] = field(hash=False)
    rank_batch: int = 1
    query_len: int = 1
    seq_len: int = 1
    ms: float = 0.0
    model_overrides: dict[str, object] = field(default_factory=dict, hash=False)
    """config.json fields changed from the bundled model (``num_hidden_layers: 1``)."""
    tolerance: float | None = None


@dataclass(frozen=True)
class Record:
    id: str
    path: Path
    description: str
    msmodeling: dict[str, str] = field(hash=False)
    tolerance: Tolerance
    runs: tuple[Run, ...] = ()
    forwards: tuple[Forward, ...] = ()
    pd_ratio: dict | None = field(default=None, hash=False)
    """A PD-ratio run's request and msmodeling's chosen pairing per search
    (``harness/calibration/pd_ratio.py``)."""


def record_paths(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json"))


def load_record(path: Path) -> Record:
    try:
        payload = json.loads(Path(path).read_text())
    except (OSError, ValueError, RecursionError) as error:
        raise RecordError(f"{path}: cannot read: {error}") from None
    fail = _failing(path)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        fail(
            "format",
            f'"{FORMAT}"',
            payload.get("format") if isinstance(payload, dict) else payload,
        )
    if payload.get("version") != VERSION:
        fail("version", f"{VERSION} (a newer searchbench wrote it?)", payload.get("version"))
    try:
        return Record(
            id=Path(path).stem,
            path=Path(path),
            description=str(payload.get("description", "")),
            msmodeling=dict(payload["msmodeling"]),
            tolerance=Tolerance(**payload.get("tolerance", {})),
            runs=tuple(_run(r, Path(path).parent) for r in payload.get("runs", ())),
            forwards=tuple(
                Forward(**{**f, "deployment": _deployment(f["deployment"], Path(path).parent)})
                for f in payload.get("forwards", ())
            ),
            pd_ratio=_pd_ratio(payload.get("pd_ratio")),
        )
    except (KeyError, TypeError, ValueError) as error:
        fail("record", "runs, forwards and msmodeling as the format says", error)
        raise  # unreachable


def _run(raw: dict, folder: Path | None = None) -> Run:
    probes = tuple(
        Probe(
            p["batch"],
            p["feasible"],
            p.get("reason"),
            {k: _number(p[k]) for k in PROBE_FIELDS if k in p},
        )
        for p in raw.get("probes", ())
    )
    return Run(
        name=raw["name"],
        deployment=_deployment(raw["deployment"], folder),
        probes=probes,
        sequences={k: tuple(v) for k, v in raw.get("sequences", {}).items()},
        reported=dict(raw.get("reported", {})),
        boundary=raw.get("boundary"),
        boundary_known="boundary" in raw,
        batch_range=tuple(raw["batch_range"]) if raw.get("batch_range") else None,
        tolerance=dict(raw.get("tolerance", {})),
        tolerance_reason=str(raw.get("tolerance_reason", "")),
    )


def _pd_ratio(raw: object) -> dict | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("request"), dict):
        raise ValueError("pd_ratio: expected {request: {...}, chosen: {search: row}}")
    if not isinstance(raw.get("chosen"), dict) or not raw["chosen"]:
        raise ValueError("pd_ratio.chosen: expected a pairing per search")
    return raw


DRAFT_FIELD = "draft_model_config_path"
"""A draft config.json kept beside a record is named relative to the record's folder
(``recorder.relative_drafts``), so the record checks wherever the project is."""


def _deployment(raw: dict, folder: Path | None = None) -> dict[str, object]:
    """``Deployment.create``'s fields, lists as the tuples it takes, a length distribution's
    bins as the distribution, a relative draft config path resolved against the record's
    folder."""
    out = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    if isinstance(out.get("input_length"), dict):
        out["input_length"] = INPUT_LENGTH.parse(out["input_length"], _bad_lengths)
    draft = out.get(DRAFT_FIELD)
    if folder is not None and isinstance(draft, str) and not Path(draft).is_absolute():
        out[DRAFT_FIELD] = str(folder / draft)
    return out


def _bad_lengths(message: str, index: int | None = None):
    raise RecordError(f"deployment.input_length: {message}")


def _number(value: object) -> float | None:
    if value is None:
        return None
    if value == "inf":
        return float("inf")
    return float(value)


def _failing(path: Path):
    def fail(where: str, expected: str, got: object):
        raise RecordError(f"{path}: {where}: expected {expected}, got {str(got)[:80]!r}")

    return fail


def dump(payload: dict) -> str:
    """A record's JSON text: the format's keys first, one probe or forward per line."""
    return _text({"format": FORMAT, "version": VERSION, **payload}, 0) + "\n"


def _text(value: object, depth: int) -> str:
    if isinstance(value, dict) and not _flat(value):
        pad, inner = " " * depth, " " * (depth + 1)
        items = [f"{inner}{json.dumps(k)}: {_text(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        pad, inner = " " * depth, " " * (depth + 1)
        return "[\n" + ",\n".join(inner + _text(v, depth + 1) for v in value) + "\n" + pad + "]"
    return json.dumps(value)


def _flat(value: dict) -> bool:
    """A mapping of scalars and lists of scalars, written on one line."""
    return (
        all(
            not isinstance(v, dict)
            and not (isinstance(v, list) and any(isinstance(x, (dict, list)) for x in v))
            for v in value.values()
        )
        and len(json.dumps(value)) <= 400
    )
