"""The one error type the simulator raises for bad input."""

from __future__ import annotations

from collections.abc import Iterable


class SimulatorInputError(ValueError):
    """Bad input to the simulator: names the field and, where known, the allowed values."""

    def __init__(self, field: str, message: str, allowed: Iterable[object] | None = None) -> None:
        self.field = field
        self.allowed = tuple(allowed) if allowed is not None else None
        text = f"{field}: {message}"
        if self.allowed:
            text += f" (allowed: {', '.join(str(a) for a in self.allowed)})"
        super().__init__(text)
