"""Variable-length inputs: a length distribution of weighted bins, as msmodeling serves it.

msmodeling (serving_cast/service/utils.py: LengthBin, validate_length_distribution,
OptimizerData.get_representative_rows, build_concurrency_samples, get_effective_input_length,
get_prefill_chunk_plan) represents each bin by its mid point, applies the prefix-cache hit rate
per bin, gives a concurrency's requests to the bins by largest remainder, and packs their
prefill, in bin order, into chunks of at most the token budget: one forward per chunk.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator.errors import SimulatorInputError

if TYPE_CHECKING:
    from simulator.chunk_plan import ChunkPlan


@dataclass(frozen=True)
class LengthBin:
    min_tokens: int
    max_tokens: int
    weight: float


@dataclass(frozen=True)
class Representative:
    """A bin's representative request: its prompt, the part prefill computes, its share."""

    num_input_tokens: int
    query_len: int
    request_ratio: float


def effective_input_length(input_length: int, hit_rate: float) -> int:
    """msmodeling's get_effective_input_length (serving_cast/service/utils.py): floor(input x
    hit) prompt tokens come from the prefix cache."""
    return input_length - math.floor(input_length * hit_rate)


def prefill_length(input_length: int | Lengths, hit_rate: float) -> int:
    """The prefill length of a prompt, or a distribution's mean over its representatives."""
    if isinstance(input_length, Lengths):
        return input_length.effective_length(hit_rate)
    return effective_input_length(input_length, hit_rate)


def check_served(lengths: Lengths, decode: bool, largest: int) -> None:
    """msmodeling serves a distribution in agg and disagg prefill only
    (cli/inference/throughput_optimizer.py refuses the rest); every bin within ``largest``
    (its LIMIT_COUNT)."""
    if decode:
        raise SimulatorInputError(
            "input_length",
            "a length distribution is served in agg and disagg prefill only, not disagg decode",
            ["agg", "prefill"],
        )
    if lengths.longest > largest:
        raise SimulatorInputError(
            "input_length", f"max_tokens {lengths.longest} exceeds {largest:,}"
        )


def check_modes_of(input_length: int | Lengths, dcp: int, speculative_method: str | None) -> None:
    """What a distribution is not modelled with yet (msmodeling runs both): DCP, whose
    mixed prefill is not costed, and a draft model, whose forwards do not mix lengths here."""
    if not isinstance(input_length, Lengths):
        return
    if dcp > 1:
        raise SimulatorInputError(
            "dcp", f"DCP={dcp} with a length distribution (input_length) is not modelled yet", [1]
        )
    if speculative_method is not None:
        raise SimulatorInputError(
            "speculative_method",
            f"{speculative_method} with a length distribution (input_length) is not modelled yet",
        )


@dataclass(frozen=True)
class Lengths:
    """A length distribution: its bins in the order given (msmodeling keeps that order)."""

    bins: tuple[LengthBin, ...]

    def __post_init__(self) -> None:
        check_bins(self.bins)

    @classmethod
    def of(cls, bins) -> Lengths:
        """From (min_tokens, max_tokens, weight) triples or LengthBin rows."""
        return cls(tuple(b if isinstance(b, LengthBin) else LengthBin(*b) for b in bins))

    @property
    def longest(self) -> int:
        return max(b.max_tokens for b in self.bins)

    @functools.lru_cache(maxsize=64)  # noqa: B019 (frozen and hashed by its bins)
    def representatives(self, hit_rate: float) -> tuple[Representative, ...]:
        """msmodeling's "mid" rows: floor((min + max) / 2), less floor(mid x hit) cached."""
        total = sum(b.weight for b in self.bins)
        rows = []
        for b in self.bins:
            mid = math.floor((b.min_tokens + b.max_tokens) / 2)
            query = max(1, mid - math.floor(mid * hit_rate))
            rows.append(Representative(mid, query, b.weight / total))
        return tuple(rows)

    def effective_length(self, hit_rate: float) -> int:
        """msmodeling's get_effective_input_length: the floor of the mean query length."""
        rows = self.representatives(hit_rate)
        return max(1, math.floor(sum(r.query_len * r.request_ratio for r in rows)))

    def samples(self, concurrency: int, hit_rate: float) -> list[tuple[Representative, int]]:
        """msmodeling's build_concurrency_samples (``allocate``)."""
        return allocate(self.representatives(hit_rate), concurrency)

    def input_tokens(self, concurrency: int, hit_rate: float) -> int:
        """The prompt tokens of a concurrency's requests (msmodeling's total_input_tokens)."""
        return sum(r.num_input_tokens * n for r, n in self.samples(concurrency, hit_rate))

    def plan(self, concurrency: int, hit_rate: float, budget: int) -> ChunkPlan:
        """msmodeling's get_prefill_chunk_plan of a concurrency's requests (``chunk_plan.py``)."""
        from simulator.chunk_plan import ChunkPlan  # numpy, only where a distribution is planned

        return ChunkPlan.of_samples(self.samples(concurrency, hit_rate), budget)

    def content(self) -> list[dict[str, object]]:
        """The bins as msmodeling's YAML spells them."""
        return [
            {"min_tokens": b.min_tokens, "max_tokens": b.max_tokens, "weight": b.weight}
            for b in self.bins
        ]


def allocate(
    rows: tuple[Representative, ...], concurrency: int
) -> list[tuple[Representative, int]]:
    """msmodeling's build_concurrency_samples: floor(concurrency x share) per bin, the rest
    one each to the largest remainders (ties: the longer query, then the earlier bin); empty
    bins dropped."""
    ideal = [concurrency * r.request_ratio for r in rows]
    base = [math.floor(x) for x in ideal]
    short = concurrency - sum(base)
    if short:
        ranked = sorted(
            zip([x - n for x, n in zip(ideal, base, strict=True)],
                [r.query_len for r in rows], range(0, -len(rows), -1), strict=True),
            reverse=True,
        )  # fmt: skip
        for _, _, at in ranked[:short]:
            base[-at] += 1
    return [(r, n) for r, n in zip(rows, base, strict=True) if n > 0]


def check_bins(bins: tuple[LengthBin, ...]) -> None:
    """msmodeling's validate_length_distribution, bin by bin in min_tokens order (its numbering)."""
    if not bins:
        raise SimulatorInputError("input_length", "a length distribution needs at least one bin")
    previous = None
    for index, b in enumerate(sorted(bins, key=lambda item: item.min_tokens)):
        where = f"bin {index} ({b.min_tokens}..{b.max_tokens}, weight {b.weight})"
        if b.min_tokens < 0:
            raise SimulatorInputError("input_length", f"{where}: min_tokens must be >= 0")
        if b.max_tokens <= b.min_tokens:
            raise SimulatorInputError("input_length", f"{where}: max_tokens must be > min_tokens")
        if not b.weight > 0 or not math.isfinite(b.weight):
            raise SimulatorInputError("input_length", f"{where}: weight must be > 0")
        if previous is not None and b.min_tokens < previous:
            raise SimulatorInputError(
                "input_length", f"{where}: overlaps the bin before it (ending at {previous})"
            )
        previous = b.max_tokens
