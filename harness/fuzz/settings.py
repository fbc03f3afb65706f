"""What one fuzz run draws and checks: the searches, the count, the seed and the shard."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.request import SearchRun
from harness.scenarios.model import DEFAULT_TOLERANCE

PROFILES = {"ci": 100, "nightly": 20000}
"""ci: every pull request; nightly: sharded over a matrix (the workflow's nightly job)."""
PROFILE_SEED = 1
"""Every profile draws with this seed; another seed is another ledger (``seed<S>-n<N>``)."""
DEFAULT_CANDIDATES = ("two_point", "two_point_checked", "certified_secant")
MAX_EXAMPLES = 1_000_000
"""Every shard draws every deployment (cheap, but not free: about 3 ms each), so a count past
this would draw for hours before a small shard checked its few."""
LEDGER_FOLDER = Path("baselines") / "fuzz"
"""Where the ledgers live, under the project's root."""


@dataclass(frozen=True)
class FuzzSettings:
    candidates: tuple[str, ...] = DEFAULT_CANDIDATES
    baseline: str = "exponential"
    oracle: str = "exhaustive"
    examples: int = PROFILES["ci"]
    seed: int = PROFILE_SEED
    shard: tuple[int, int] = (0, 1)
    tolerance: float = DEFAULT_TOLERANCE
    keep_going: bool = False
    """Check every drawn deployment and list every failure of an exact search as drawn, instead
    of stopping at the first and shrinking it. A shard of several always keeps going, so that
    shards merge into what one run would have seen."""

    @property
    def runs(self) -> tuple[SearchRun, ...]:
        names = (self.baseline, *self.candidates, self.oracle)
        return tuple(SearchRun(name) for name in dict.fromkeys(names))

    @property
    def searches(self) -> tuple[str, ...]:
        """Every search checked (the baseline first), without the oracle."""
        return tuple(run.name for run in self.runs[:-1])

    @property
    def sharded(self) -> bool:
        return self.shard[1] > 1

    @property
    def stops_at_first_failure(self) -> bool:
        return not (self.keep_going or self.sharded)

    def in_shard(self, index: int) -> bool:
        shard, shards = self.shard
        return index % shards == shard

    @property
    def ledger_name(self) -> str:
        """``<profile>`` for a profile's draw, else ``seed<S>-n<N>``: one ledger per draw."""
        if self.seed == PROFILE_SEED:
            for name, examples in PROFILES.items():
                if examples == self.examples:
                    return name
        return f"seed{self.seed}-n{self.examples}"
