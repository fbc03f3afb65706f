"""One probe of the serving model, and the same computation vectorized over batch sizes.

Agg mode follows msmodeling's full-prefill wave formula (serving model §1.4 b): all prefill
waves run first, TTFT is their mean finishing time, and TPOT = decode step + TTFT / output length.
Disagg prefill and decode are the two separate phases of §1.5. ``batch_size`` is per DP replica.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache

import numpy as np

from simulator.deployment import Deployment, Mode
from simulator.devices import GIB
from simulator.errors import SimulatorInputError
from simulator.memory import activation_bytes, kv_cache_bytes, weight_bytes
from simulator.ops import FEATURES
from simulator.roofline import Roofline

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
    feasible: np.ndarray
    reason: np.ndarray

    def __len__(self) -> int:
        return int(self.batch_size.size)

    def row(self, index: int) -> ProbeResult:
        values = {}
        for f in fields(self):
            value = getattr(self, f.name)[index]
            if f.name in ("batch_size", "concurrency"):
                values[f.name] = int(value)
            elif f.name == "feasible":
                values[f.name] = bool(value)
            elif f.name == "reason":
                values[f.name] = value or None
            else:
                number = float(value)
                values[f.name] = None if np.isnan(number) else number
        return ProbeResult(**values)

    def rows(self) -> list[ProbeResult]:
        return [self.row(i) for i in range(len(self))]


@dataclass(frozen=True)
class _Forward:
    latency_ms: np.ndarray
    kv_bytes: np.ndarray
    activation_bytes: np.ndarray
    left_bytes: np.ndarray


class Simulator:
    """The serving model of one deployment. Stateless between calls except pure caches."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self.roofline = Roofline(deployment)
        self.weight_bytes = weight_bytes(deployment)
        self._budget_bytes = (
            deployment.device.memory_bytes - deployment.reserved_memory_gb * GIB - self.weight_bytes
        )
        dep = deployment
        self._decode_seq = dep.output_length // 2 + dep.input_length + 1
        self._token_budget = dep.effective_max_batched_tokens * dep.dp
        wave = self._token_budget // dep.input_length
        self._wave = max(wave, 1)
        self._full_wave = self._prefill(np.array([self._wave], dtype=np.int64))

    def features(self, rank_batch: np.ndarray, query_len: int, seq_len: int) -> np.ndarray:
        dep = self.deployment
        b = rank_batch.astype(np.float64)
        tokens = b * query_len
        out = np.zeros((b.size, len(FEATURES)))
        out[:, 0] = 1.0
        out[:, 1] = tokens
        out[:, 2] = b
        out[:, 3] = tokens * seq_len
        out[:, 4] = b * seq_len
        model = dep.model
        if model.is_moe:
            expert_rows = tokens * (dep.dp * model.experts_per_token / dep.ep)
            out[:, 5] = expert_rows
            out[:, 6] = np.minimum(expert_rows, model.num_experts / dep.ep)
        return out

    def _forward(self, rank_batch: np.ndarray, query_len: int, seq_len: int) -> _Forward:
        features = self.features(rank_batch, query_len, seq_len)
        latency = self.roofline.latency_s(features) * 1e3
        kv = kv_cache_bytes(self.deployment, rank_batch, np.full(rank_batch.shape, seq_len + 1))
        act = activation_bytes(self.deployment, features[:, 1], features[:, 2])
        return _Forward(latency, kv, act, self._budget_bytes - kv - act)

    def _prefill(self, global_requests: np.ndarray) -> _Forward:
        dp = self.deployment.dp
        rank_batch = -(-global_requests // dp)
        length = self.deployment.input_length
        return self._forward(rank_batch, length, length)

    def _prefill_unique(self, global_requests: np.ndarray) -> _Forward:
        """Prefill forwards for many wave sizes, each distinct size evaluated once."""
        unique, inverse = np.unique(global_requests, return_inverse=True)
        forward = self._prefill(np.maximum(unique, 1))
        return _Forward(*(getattr(forward, f.name)[inverse] for f in fields(_Forward)))

    def probe(self, batch_size: int) -> ProbeResult:
        return self.sweep(np.array([batch_size])).row(0)

    def sweep(self, batch_sizes) -> SweepResult:
        bs = np.atleast_1d(np.asarray(batch_sizes))
        if bs.ndim != 1 or (bs.size and not np.issubdtype(bs.dtype, np.integer)):
            raise SimulatorInputError("batch_size", "must be integers")
        bs = bs.astype(np.int64)
        if bs.size and bs.min() < 1:
            raise SimulatorInputError("batch_size", f"must be >= 1, got {int(bs.min())}")
        mode = self.deployment.mode
        if mode is Mode.DISAGG_DECODE:
            return self._sweep_decode(bs)
        if mode is Mode.DISAGG_PREFILL:
            return self._sweep_prefill(bs)
        return self._sweep_agg(bs)

    def _waves(self, concurrency: np.ndarray):
        wave = self._wave
        full_waves = concurrency // wave
        remainder = concurrency % wave
        rem = self._prefill_unique(remainder)
        has_full = full_waves > 0
        has_rem = remainder > 0
        full_left = np.where(has_full, self._full_wave.left_bytes[0], np.inf)
        rem_left = np.where(has_rem, rem.left_bytes, np.inf)
        tp = self._full_wave.latency_ms[0]
        tr = np.where(has_rem, rem.latency_ms, 0.0)
        ttft = wave * tp * (1 + full_waves) * full_waves / 2 + (full_waves * tp + tr) * remainder
        ttft = ttft / concurrency
        phase = full_waves * tp + tr
        prefill_left = np.minimum(full_left, rem_left)
        wave_ms = np.where(has_full, tp, np.nan)
        binding = np.where(full_left <= rem_left, 0, 1)
        kv = np.where(binding == 0, self._full_wave.kv_bytes[0], rem.kv_bytes)
        act = np.where(binding == 0, self._full_wave.activation_bytes[0], rem.activation_bytes)
        return ttft, phase, prefill_left, wave_ms, kv, act

    def _sweep_agg(self, bs: np.ndarray) -> SweepResult:
        dep = self.deployment
        concurrency = bs * dep.dp
        ttft, _, prefill_left, wave_ms, p_kv, p_act = self._waves(concurrency)
        decode = self._forward(bs, 1, self._decode_seq)
        prefill_oom = prefill_left < 0
        left = np.minimum(prefill_left, decode.left_bytes)
        out = dep.output_length
        e2e = ttft + decode.latency_ms * out
        tpot = np.where(prefill_oom, np.inf, e2e / out)
        ttft = np.where(prefill_oom, np.inf, ttft)
        tokens = np.where(prefill_oom, 0.0, 1000.0 * out * concurrency / e2e)
        use_decode = decode.left_bytes <= prefill_left
        return self._result(
            bs,
            concurrency,
            ttft,
            tpot,
            decode_ms=np.where(prefill_oom, np.nan, decode.latency_ms),
            wave_ms=wave_ms,
            tokens=tokens,
            kv=np.where(use_decode, decode.kv_bytes, p_kv),
            act=np.where(use_decode, decode.activation_bytes, p_act),
            left=np.where(prefill_oom, prefill_left, left),
            oom=[("prefill_oom", prefill_oom), ("decode_oom", left < 0)],
        )

    def _sweep_decode(self, bs: np.ndarray) -> SweepResult:
        concurrency = bs * self.deployment.dp
        decode = self._forward(bs, 1, self._decode_seq)
        nan = np.full(bs.shape, np.nan)
        return self._result(
            bs,
            concurrency,
            nan,
            decode.latency_ms,
            decode_ms=decode.latency_ms,
            wave_ms=nan,
            tokens=1000.0 * concurrency / decode.latency_ms,
            kv=decode.kv_bytes,
            act=decode.activation_bytes,
            left=decode.left_bytes,
            oom=[("decode_oom", decode.left_bytes < 0)],
        )

    def _sweep_prefill(self, bs: np.ndarray) -> SweepResult:
        concurrency = bs * self.deployment.dp
        ttft, phase, left, wave_ms, kv, act = self._waves(concurrency)
        oom = left < 0
        nan = np.full(bs.shape, np.nan)
        tokens = concurrency * self.deployment.input_length / phase * 1000.0
        return self._result(
            bs,
            concurrency,
            np.where(oom, np.inf, ttft),
            nan,
            decode_ms=nan,
            wave_ms=wave_ms,
            tokens=np.where(oom, 0.0, tokens),
            kv=kv,
            act=act,
            left=left,
            oom=[("prefill_oom", oom)],
        )

    def _result(
        self, bs, concurrency, ttft, tpot, *, decode_ms, wave_ms, tokens, kv, act, left, oom
    ) -> SweepResult:
        dep = self.deployment
        reason = np.full(bs.shape, "", dtype=object)
        for name, mask in reversed(self._verdicts(oom, ttft, tpot)):
            reason[mask] = name
        total_gib = dep.device.memory_bytes / GIB
        weights_gib = self.weight_bytes / GIB
        available = left / GIB
        return SweepResult(
            batch_size=bs,
            concurrency=concurrency,
            ttft_ms=ttft,
            tpot_ms=tpot,
            decode_ms=decode_ms,
            prefill_wave_ms=wave_ms,
            tokens_per_s=tokens,
            tokens_per_s_per_device=tokens / dep.num_devices,
            total_gib=np.full(bs.shape, total_gib),
            weights_gib=np.full(bs.shape, weights_gib),
            kv_cache_gib=kv / GIB,
            activation_gib=act / GIB,
            reserved_gib=np.full(bs.shape, dep.reserved_memory_gb),
            available_gib=available,
            per_request_gib=(total_gib - weights_gib - dep.reserved_memory_gb - available) / bs,
            feasible=reason == "",
            reason=reason,
        )

    def _verdicts(self, oom, ttft, tpot) -> list[tuple[str, np.ndarray]]:
        """Early-stop checks in msmodeling's order: memory, then TPOT, then TTFT."""
        dep = self.deployment
        checks = list(oom)
        if dep.tpot_limit_ms is not None:
            checks.append(("tpot_limit", np.nan_to_num(tpot, nan=-np.inf) > dep.tpot_limit_ms))
        if dep.ttft_limit_ms is not None:
            checks.append(("ttft_limit", np.nan_to_num(ttft, nan=-np.inf) > dep.ttft_limit_ms))
        return checks


@cache
def simulator_for(deployment: Deployment) -> Simulator:
    return Simulator(deployment)


def probe(deployment: Deployment, batch_size: int) -> ProbeResult:
    return simulator_for(deployment).probe(batch_size)


def sweep(deployment: Deployment, batch_sizes) -> SweepResult:
    return simulator_for(deployment).sweep(batch_sizes)
