"""Record a record's msmodeling command again, with whatever msmodeling checkout is at hand.

A record made by ``calibrate record`` holds the optimizer command it ran, the model folder written
``MODEL_DIR`` when the folder held a bundled model. Running it again needs that folder: it is
written from the bundled config.json (msmodeling reads the trimmed config exactly as the full one:
same weights and forward times). Records of single forwards, or of commands with other
placeholders, cannot be run again and are named with the reason."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from harness import door
from harness.calibration.record import Record

OPTIMIZER = "python -m cli.inference.throughput_optimizer "
MODEL_DIR = "MODEL_DIR"
DRAFT_FLAG = "--draft-model-config-path"


def optimizer_flags(record: Record) -> tuple[list[str] | None, str]:
    """The record's msmodeling optimizer flags, or None and why it cannot be run again."""
    command = record.msmodeling.get("command", "")
    if not record.runs:
        return None, "holds single forwards, not an optimizer run"
    if not command.startswith(OPTIMIZER):
        return None, f"its command is not an optimizer run: {command[:60]!r}"
    try:
        flags = shlex.split(command[len(OPTIMIZER) :])
    except ValueError as error:
        return None, f"its command does not parse: {error}"
    known = {MODEL_DIR, *door.DEVICE_NAMES, *door.LINEAR_QUANTIZATIONS, *door.KV_QUANTIZATIONS}
    placeholders = [f for f in flags if f.isupper() and not f[0].isdigit() and f not in known]
    if placeholders:
        return None, f"its command has placeholders: {' '.join(placeholders)}"
    return flags, ""


def with_draft_paths(record: Record, flags: list[str]) -> list[str]:
    """The flags with a draft config named relative to the record's folder made absolute
    (msmodeling runs in its own checkout)."""
    out = list(flags)
    for at, flag in enumerate(out[:-1]):
        if flag == DRAFT_FLAG and not Path(out[at + 1]).is_absolute():
            out[at + 1] = str(record.path.parent.resolve() / out[at + 1])
    return out


def with_model_folder(record: Record, flags: list[str], folder: Path) -> list[str]:
    """The flags with ``MODEL_DIR`` replaced by a folder holding the bundled model's config."""
    if MODEL_DIR not in flags:
        return flags
    model = str(record.runs[0].deployment["model"])
    target = folder / model.replace("/", "_")
    target.mkdir(parents=True, exist_ok=True)
    (target / "config.json").write_text(json.dumps(door.model_config_json(model), indent=1))
    return [str(target) if flag == MODEL_DIR else flag for flag in flags]


def shown_command(flags: list[str], model_arg: str, bundled: bool) -> str:
    """The command as a record keeps it: a bundled model's folder written ``MODEL_DIR``."""
    shown = [MODEL_DIR if bundled and flag == model_arg else flag for flag in flags]
    return OPTIMIZER + shlex.join(shown)
