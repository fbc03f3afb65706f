"""What a probe returns (one ProbeResult per batch size, or a SweepResult of columns), why a
batch is infeasible, and how one phase's evaluation becomes either."""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from simulator.deployment import Deployment
from simulator.devices import GIB
from simulator.numbers import Numbers
from simulator.reasons import REASONS, StopReason

if TYPE_CHECKING:
    import numpy as np


class ProbeResult(NamedTuple):
    """What one probe returns; latencies in ms (None where a phase was not evaluated), memory
    in GiB per rank."""

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
    reason: StopReason | None

    def to_dict(self) -> dict[str, object]:
        return self._asdict()


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
        return _reason_names()[self.reason_code]

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


@lru_cache(maxsize=1)
def _reason_names() -> np.ndarray:
    """Each reason code's name (numpy's, so a sweep indexes it; built by the first sweep)."""
    import numpy as np

    return np.array(("", *(r.value for r in REASONS)), dtype=object)


def field_value(value: float) -> float | None:
    """A float field as a probe reports it: NaN (not evaluated) is None."""
    value = float(value)
    return None if value != value else value


class Evaluation(NamedTuple):
    """One phase's numbers at one batch size or many, before the verdict; memory in bytes."""

    batch_size: object
    concurrency: object
    ttft_ms: object
    tpot_ms: object
    decode_ms: object
    prefill_wave_ms: object
    tokens_per_s: object
    kv_bytes: object
    activation_bytes: object
    left_bytes: object
    memory_checks: tuple[tuple[StopReason, object], ...]
    """Out-of-memory conditions, in msmodeling's order."""


def finish(evaluation: Evaluation, dep: Deployment, weight_bytes: int, num: Numbers):
    """The ProbeResult (``SCALAR``) or SweepResult (``VECTOR``) of an evaluation: early-stop
    checks in msmodeling's order (memory, TPOT, then TTFT; NaN never fails) and memory in GiB."""
    ev = evaluation
    checks = list(ev.memory_checks)
    if dep.tpot_limit_ms is not None:
        checks.append((StopReason.TPOT_LIMIT, ev.tpot_ms > dep.tpot_limit_ms))
    if dep.ttft_limit_ms is not None:
        checks.append((StopReason.TTFT_LIMIT, ev.ttft_ms > dep.ttft_limit_ms))
    total_gib = dep.device.memory_bytes / GIB
    weights_gib = weight_bytes / GIB
    reserved = dep.reserved_memory_gb
    available = ev.left_bytes / GIB
    per_request = (total_gib - weights_gib - reserved - available) / ev.batch_size
    if num.is_scalar:
        reason = next((name for name, fails in checks if fails), None)
        return ProbeResult(
            ev.batch_size,
            ev.concurrency,
            field_value(ev.ttft_ms),
            field_value(ev.tpot_ms),
            field_value(ev.decode_ms),
            field_value(ev.prefill_wave_ms),
            float(ev.tokens_per_s),
            ev.tokens_per_s / dep.num_devices,
            total_gib,
            weights_gib,
            ev.kv_bytes / GIB,
            ev.activation_bytes / GIB,
            float(reserved),
            available,
            per_request,
            reason is None,
            reason,
        )
    import numpy as np

    code = np.zeros(np.shape(ev.batch_size), dtype=np.int8)
    for reason, mask in reversed(checks):
        code[mask] = REASONS.index(reason) + 1
    return SweepResult(
        ev.batch_size,
        ev.concurrency,
        ev.ttft_ms,
        ev.tpot_ms,
        ev.decode_ms,
        ev.prefill_wave_ms,
        ev.tokens_per_s,
        ev.tokens_per_s / dep.num_devices,
        np.full(np.shape(ev.batch_size), total_gib),
        np.full(np.shape(ev.batch_size), weights_gib),
        ev.kv_bytes / GIB,
        ev.activation_bytes / GIB,
        np.full(np.shape(ev.batch_size), reserved),
        available,
        per_request,
        code,
    )
