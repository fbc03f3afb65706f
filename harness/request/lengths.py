"""The input-length kind: a prompt length, or a length distribution as msmodeling takes it.

msmodeling's ``--input-length`` is a positive integer or a YAML file of weighted bins
(serving_cast/example/length_distribution.yaml; loaded by serving_cast/service/utils.py
load_length_distribution): ``bins: [{min_tokens, max_tokens, weight}, ...]``. A scenario writes
the file's path (relative to the scenario) or the bins inline, as a mapping with ``bins``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from harness import door
from harness.errors import DeploymentError
from harness.request.kinds import Fail, Integer, Kind, _got, _is_int, _is_number, short

BIN_KEYS = ("min_tokens", "max_tokens", "weight")
MAX_FILE_BYTES = 1 << 20
"""A distribution file larger than this is refused (msmodeling's example is 2 KB)."""


@dataclass(frozen=True)
class InputLength(Kind):
    """A positive integer within ``maximum``, or a length distribution (``door.Lengths``)."""

    maximum: int = 10**8
    expected = "an integer, a length-distribution file or {bins: [...]}"
    json_type = "integer"
    structured = True
    """Takes a mapping in a scenario file (the inline bins)."""

    def parse(self, value: object, fail: Fail) -> object:
        if _is_int(value):
            return Integer(minimum=1, maximum=self.maximum).parse(value, fail)
        if isinstance(value, door.Lengths):
            return value
        if isinstance(value, str):
            if not _exists(Path(value)):
                fail(
                    f"expected {self.expected.split(',')[0]}, got {_got(value)}, "
                    f"nor a length-distribution file (no file {value})"
                )
            return bins_of(read_file(Path(value), fail), fail, value)
        if isinstance(value, dict):
            return bins_of(value, fail, None)
        # anything else is read as a length: the integer kind names it ("write 1000")
        return Integer(minimum=1, maximum=self.maximum).parse(value, fail)

    def resolve(self, value: object, folder: Path) -> object:
        """A scenario's file path, relative to the scenario's folder."""
        if isinstance(value, str) and not Path(value).is_absolute():
            local = folder / value
            return str(local) if _exists(local) else value
        return value

    def schema(self) -> dict[str, object]:
        bin_schema = {
            "type": "object",
            "required": list(BIN_KEYS),
            "additionalProperties": False,
            "properties": {
                "min_tokens": {"type": "integer", "minimum": 0},
                "max_tokens": {"type": "integer", "minimum": 1, "maximum": self.maximum},
                "weight": {"type": "number", "exclusiveMinimum": 0},
            },
        }
        return {
            "oneOf": [
                {"type": "integer", "minimum": 1, "maximum": self.maximum},
                {"type": "string", "minLength": 1},
                {
                    "type": "object",
                    "required": ["bins"],
                    "additionalProperties": False,
                    "properties": {"bins": {"type": "array", "minItems": 1, "items": bin_schema}},
                },
            ]
        }

    def flag(self) -> dict[str, object]:
        return {"type": _length_or_file, "metavar": "N|FILE"}

    def to_file(self, value: object) -> object:
        if isinstance(value, door.Lengths):
            return {"bins": value.content()}
        return value


def _length_or_file(text: str) -> int | str:
    """msmodeling's check_positive_integer_and_string: digits are a length, else a file."""
    if text.strip().lstrip("+-").isdigit():
        return int(text)
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a length or a distribution file, got ''")
    return text


def _exists(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def read_file(path: Path, fail: Fail) -> object:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            fail(f"{path}: larger than {MAX_FILE_BYTES:,} bytes; not a length distribution")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read the length distribution {path}: {getattr(error, 'strerror', error)}")
    try:
        return yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        fail(f"{path}: not YAML ({str(error).splitlines()[0]})")


def bins_of(raw: object, fail: Fail, path: str | None) -> door.Lengths:
    """msmodeling's load_length_distribution checks, then its validate_length_distribution."""
    where = f"{path}: " if path else ""
    if not isinstance(raw, dict) or set(raw) - {"bins"}:
        fail(f"{where}a length distribution is a mapping with one key, bins (a list)")
    items = raw.get("bins", [])
    if not isinstance(items, list):
        fail(f"{where}bins must be a list, got {_got(items)}")
    bins = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            fail(f"{where}bin {index} must be a mapping of {', '.join(BIN_KEYS)}")
        missing = [key for key in BIN_KEYS if key not in item]
        extra = sorted(set(item) - set(BIN_KEYS), key=str)
        if missing or extra:
            what = f"missing {', '.join(missing)}" if missing else f"unknown {short(extra)}"
            fail(f"{where}bin {index}: {what} (keys: {', '.join(BIN_KEYS)})")
        low, high, weight = (item[key] for key in BIN_KEYS)
        if not (_is_int(low) and _is_int(high)) or not _is_number(weight):
            fail(f"{where}bin {index}: min_tokens and max_tokens are integers, weight a number")
        bins.append((low, high, float(weight)))
    try:
        return door.lengths(bins)
    except DeploymentError as error:
        fail(f"{where}{error.message}")


INPUT_LENGTH = InputLength()
"""The kind of the ``input_length`` knob, for readers of stored deployments."""


def inputs_digest(input_length: object) -> str | None:
    """A length distribution's content as a short digest, stored with a scenario's baseline so
    an edited distribution cannot reuse it; None for a single length (it is in the file)."""
    if not isinstance(input_length, door.Lengths):
        return None
    text = json.dumps(input_length.content(), sort_keys=True)
    return "lengths-" + hashlib.sha256(text.encode()).hexdigest()[:16]
