"""Reading an HF-style ``config.json`` strictly: a regular file of bounded size, and fields of the
JSON type they declare.

HF's loaders take a config's values as JSON gives them; coercing them hides mistakes that change
the cost model (``bool("false")`` is True, ``int(16.9)`` is 16, ``int(True)`` is 1). Here a count
must be a JSON integer, a switch a JSON boolean, and every refusal names the field.
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path

from simulator.errors import SimulatorInputError

MAX_CONFIG_BYTES = 1_000_000
"""HF configs are a few kilobytes (DeepSeek-V3's is under 2 KB)."""
_REQUIRED = object()


def read_config(path: Path) -> dict:
    """The JSON object in a regular file of at most ``MAX_CONFIG_BYTES``; a FIFO or a link to a
    device is refused without waiting or reading on."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        descriptor = os.open(path, flags)
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode):
                raise SimulatorInputError("model", f"{path}: not a regular file; not read")
            data = _read_capped(descriptor, MAX_CONFIG_BYTES)
        finally:
            os.close(descriptor)
        if len(data) > MAX_CONFIG_BYTES:
            raise SimulatorInputError(
                "model", f"{path}: more than {MAX_CONFIG_BYTES:,} bytes; a config.json is smaller"
            )
        raw = json.loads(data.decode("utf-8"))
    except SimulatorInputError:
        raise
    except (OSError, ValueError, RecursionError) as error:
        raise SimulatorInputError("model", f"cannot read {path}: {error}") from None
    if not isinstance(raw, dict):
        raise SimulatorInputError(
            "model", f"{path}: expected a JSON object, got {type(raw).__name__}"
        )
    return raw


def _read_capped(descriptor: int, cap: int) -> bytes:
    """Up to ``cap + 1`` bytes: one byte past the cap says the file is longer than allowed."""
    chunks, size = [], 0
    while size <= cap:
        chunk = os.read(descriptor, min(1 << 16, cap + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


class ConfigFields:
    """Typed access to a config's fields; ``null`` reads as absent, as HF's loaders read it."""

    def __init__(self, raw: dict, path: Path) -> None:
        self.raw, self.path = raw, path

    def integer(self, key: str, default: object = _REQUIRED) -> int:
        value = self.raw.get(key)
        if value is None:
            if default is _REQUIRED:
                self.refuse(f"{key}: missing; a JSON integer is required")
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.refuse(f"{key}: expected an integer, got {_json(value)}")
        return value

    def number(self, key: str, default: float) -> float:
        """A positive, finite JSON number (an integer reads as its float)."""
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.refuse(f"{key}: expected a number, got {_json(value)}")
        if not (0 < value < math.inf):
            self.refuse(f"{key}: expected a positive finite number, got {_json(value)}")
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.refuse(f"{key}: expected true or false, got {_json(value)}")
        return value

    def refuse(self, message: str, allowed=None):
        """Refuse this config: ``message`` starts with the field's config.json key."""
        raise SimulatorInputError("model", f"{self.path}: {message}", allowed)


_KINDS = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}


def _json(value: object) -> str:
    """A value as its JSON type and text (``number 16.9``, ``string "16"``, ``number NaN``)."""
    text = json.dumps(value)
    text = text if len(text) <= 40 else f"{text[:40]}..."
    return f"{_KINDS.get(type(value), 'object')} {text}"
