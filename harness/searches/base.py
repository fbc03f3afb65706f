"""What every search shares: its context, its outcome, and msmodeling's loop constants."""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.probe import Observation, ProbeRecorder, StopReason

MAX_ITER_NUMS = 10
INITIAL_RIGHT = 512
NO_ESTIMATE = 2 ** (MAX_ITER_NUMS + 9) - 1
LARGEST_REACHABLE = INITIAL_RIGHT * 2**MAX_ITER_NUMS

WEIGHTS_OOM = StopReason.WEIGHTS_OOM


@dataclass(frozen=True)
class SearchContext:
    """The limits a search may read, and msmodeling's optional --batch-range."""

    tpot_limit_ms: float | None = None
    ttft_limit_ms: float | None = None
    batch_range: tuple[int, int] | None = None


@dataclass(frozen=True)
class OracleFindings:
    """What an oracle that saw every batch size knows beyond the answer."""

    monotone: bool
    """Every batch up to the largest feasible one is feasible: a search may stop at the first
    infeasible batch after a feasible one."""
    first_infeasible_minus_one: int
    first_infeasible_reason: StopReason | None


@dataclass(frozen=True)
class Outcome:
    """A search's answer: the largest feasible batch it found, or None and why."""

    batch_size: int | None
    early_stop: StopReason | None = None
    details: dict[str, object] = field(default_factory=dict)
    oracle: OracleFindings | None = None


@dataclass(frozen=True)
class SearchResult:
    search: str
    batch_size: int | None
    probes: int
    sequence: tuple[int, ...]
    trace: tuple[Observation, ...]
    early_stop: StopReason | None
    details: dict[str, object] = field(default_factory=dict)
    oracle: OracleFindings | None = None

    @property
    def answer(self) -> Observation | None:
        """The probe that showed the answer feasible, if the search made it."""
        for observation in reversed(self.trace):
            if observation.batch_size == self.batch_size and observation.feasible:
                return observation
        return None

    @property
    def chosen(self) -> Observation | None:
        """msmodeling's reported row: the feasible probe with the highest tokens/s."""
        feasible = [o for o in self.trace if o.feasible]
        return max(feasible, key=lambda o: (o.tokens_per_s, o.batch_size), default=None)


def binary_search(probe: ProbeRecorder, left: int, right: int) -> int:
    """msmodeling's inclusive binary search; returns the last right bound."""
    while left <= right:
        mid = (left + right) // 2
        if probe(mid).feasible:
            left = mid + 1
        else:
            right = mid - 1
    return right


def start_range(context: SearchContext) -> tuple[int, int]:
    if context.batch_range is None:
        return 1, INITIAL_RIGHT
    return context.batch_range
