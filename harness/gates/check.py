"""A gate's verdict as a plain value: the pytest items, ``searchbench run`` and the JSON output
all read the same ``Check`` objects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.gates.store import PendingWrite


@dataclass(frozen=True)
class Check:
    """One gate's verdict on one scenario run; ``writes`` are what it asks the session to do."""

    scenario: str
    name: str
    passed: bool
    summary: str
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[object, ...], ...] = ()
    notes: tuple[str, ...] = ()
    writes: tuple[PendingWrite, ...] = ()
    """Files the session writes once every gate has judged (baselines, ``.obtained`` files)."""
    updates_baseline: bool = False
    """A regression check whose writes create, update or repair the stored baseline (its rows
    are the diff)."""

    def render(self) -> str:
        parts = [self.summary]
        if self.rows:
            from tabulate import tabulate  # its import reads package metadata

            parts.append(tabulate(self.rows, headers=self.headers, tablefmt="simple"))
        parts += list(self.notes)
        return "\n".join(parts)


def summarize(checks: Sequence[Check]) -> tuple[int, int]:
    passed = sum(c.passed for c in checks)
    return passed, len(checks) - passed


def show(value: int | None) -> str:
    return "none" if value is None else str(value)


def verdict(ok: bool) -> str:
    """The verdict column of every gate's table."""
    return "ok" if ok else "FAIL"
