"""What a probe returns: one ProbeResult per batch size, or a SweepResult of columns."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

REASONS = ("prefill_oom", "decode_oom", "tpot_limit", "ttft_limit")


@dataclass(frozen=True)
class ProbeResult:
    """What one probe returns; latencies in ms, memory in GiB per rank."""

    batch_size: int
    concurrency: int
    ttft_ms: float | None
    tpot_ms: float | None
    decode_ms: float | None
    prefill_wave_ms: float | None
    tokens_per_s: float
    tokens_per_s_per_device: float
    total_gib: float
    weights_gib: float
    kv_cache_gib: float
    activation_gib: float
    reserved_gib: float
    available_gib: float
    per_request_gib: float
    feasible: bool
    reason: str | None

    def to_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class SweepResult:
    """Column arrays, one element per batch size; NaN where a phase was not evaluated."""

    batch_size: np.ndarray
    concurrency: np.ndarray
    ttft_ms: np.ndarray
    tpot_ms: np.ndarray
    decode_ms: np.ndarray
    prefill_wave_ms: np.ndarray
    tokens_per_s: np.ndarray
    tokens_per_s_per_device: np.ndarray
    total_gib: np.ndarray
    weights_gib: np.ndarray
    kv_cache_gib: np.ndarray
    activation_gib: np.ndarray
    reserved_gib: np.ndarray
    available_gib: np.ndarray
    per_request_gib: np.ndarray
    reason_code: np.ndarray

    @property
    def feasible(self) -> np.ndarray:
        return self.reason_code == 0

    @property
    def reason(self) -> np.ndarray:
        """Early-stop reason per batch size; '' where feasible."""
        return _REASON_NAMES[self.reason_code]

    def __len__(self) -> int:
        return int(self.batch_size.size)

    def row(self, index: int) -> ProbeResult:
        values: dict[str, object] = {}
        for name in _FLOAT_FIELDS:
            values[name] = field_value(getattr(self, name)[index])
        code = int(self.reason_code[index])
        return ProbeResult(
            batch_size=int(self.batch_size[index]),
            concurrency=int(self.concurrency[index]),
            feasible=code == 0,
            reason=REASONS[code - 1] if code else None,
            **values,
        )

    def rows(self) -> list[ProbeResult]:
        return [self.row(i) for i in range(len(self))]


_FLOAT_FIELDS = tuple(
    f.name
    for f in fields(SweepResult)
    if f.name not in ("batch_size", "concurrency", "reason_code")
)
_REASON_NAMES = np.array(("", *REASONS), dtype=object)


def field_value(value: float) -> float | None:
    """A float field as ``SweepResult.row`` reports it: NaN (not evaluated) is None."""
    value = float(value)
    return None if value != value else value
