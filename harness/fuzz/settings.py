"""What one fuzz run draws and checks: the searches, the count, the seed and the shard."""

from __future__ import annotations

from dataclasses import dataclass

from harness.request import SearchRun
from harness.scenarios.model import DEFAULT_TOLERANCE

PROFILES = {"ci": 100, "nightly": 2000}


@dataclass(frozen=True)
class FuzzSettings:
    candidates: tuple[str, ...] = ("two_point", "certified_secant")
    baseline: str = "exponential"
    oracle: str = "exhaustive"
    examples: int = PROFILES["ci"]
    seed: int = 1
    shard: tuple[int, int] = (0, 1)
    tolerance: float = DEFAULT_TOLERANCE
    keep_going: bool = False
    """Check every drawn deployment and list every violation, instead of shrinking the first."""

    @property
    def runs(self) -> tuple[SearchRun, ...]:
        names = (self.baseline, *self.candidates, self.oracle)
        return tuple(SearchRun(name) for name in dict.fromkeys(names))
