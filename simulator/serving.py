"""One probe of the serving model, and the same computation vectorized over batch sizes.

Agg mode follows msmodeling's full-prefill wave formula (serving model §1.4 b): all prefill
waves run first, TTFT is their mean finishing time, and TPOT = decode step + TTFT / output length.
Disagg prefill and decode are the two separate phases of §1.5. ``batch_size`` is per DP replica.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from simulator.chunked import Record, chunk_plan, replay
from simulator.deployment import Deployment, Mode
from simulator.devices import GIB
from simulator.errors import SimulatorInputError
from simulator.memory import (
    activation_per_forward,
    activation_per_token,
    kv_bytes_per_token,
    kv_cache_bytes,
    logits_bytes_per_row,
    weight_bytes,
)
from simulator.ops import FEATURES, PREFILL_FROM_QUERY_LEN
from simulator.results import REASONS, ProbeResult, SweepResult, field_value
from simulator.roofline import Roofline
from simulator.timing import agg_timing, wave_timing

__all__ = ["REASONS", "ProbeResult", "Simulator", "SweepResult", "probe", "sweep"]

INF = float("inf")
NAN = float("nan")


@dataclass(frozen=True)
class _Forward:
    latency_ms: np.ndarray
    kv_bytes: np.ndarray
    activation_bytes: np.ndarray
    left_bytes: np.ndarray

    def take(self, index) -> _Forward:
        return _Forward(
            self.latency_ms[index],
            self.kv_bytes[index],
            self.activation_bytes[index],
            self.left_bytes[index],
        )


class Simulator:
    """The serving model of one deployment. Pure: the same batch always gives the same numbers."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        dep = deployment
        self.roofline = Roofline(dep)
        self.weight_bytes = weight_bytes(dep)
        self._kv_per_token = kv_bytes_per_token(dep)
        self._activation_per_token = activation_per_token(dep)
        self._logits_per_row = logits_bytes_per_row(dep)
        self._budget_bytes = (
            dep.device.memory_bytes - dep.reserved_memory_gb * GIB - self.weight_bytes
        )
        self._decode_query = dep.decode_query_len
        self._decode_seq = dep.output_length // 2 + dep.input_length + self._decode_query
        self._fold = dep.tokens_per_decode_step
        self._activation_fixed = activation_per_forward(dep)
        self._wave = max(dep.effective_max_batched_tokens * dep.dp // dep.input_length, 1)
        self._chunks = chunk_plan(dep.input_length, dep.effective_max_batched_tokens)
        self._records: dict[tuple[int, int, int], Record] = {}
        self._prefill_rows: dict[int, list[float]] = {}
        self._full_wave = self._forward(
            np.array([-(-self._wave // dep.dp)]),
            np.array([min(dep.input_length, dep.effective_max_batched_tokens)]),
            np.array([min(dep.input_length, dep.effective_max_batched_tokens)]),
        )

    def features(self, rank_batch: np.ndarray, query_len, seq_len) -> np.ndarray:
        """Per-rank forward features (see ops.FEATURES) for each shape."""
        b = rank_batch.astype(np.float64)
        tokens = b * query_len
        out = np.zeros((b.size, len(FEATURES)))
        out[:, 0] = 1.0
        out[:, 1] = tokens
        out[:, 2] = b
        out[:, 3] = tokens * seq_len
        out[:, 4] = b * seq_len
        prefill = np.asarray(query_len) >= PREFILL_FROM_QUERY_LEN
        out[:, 5] = prefill
        out[:, 6] = out[:, 1] * prefill
        out[:, 7] = out[:, 3] * prefill
        out[:, 8] = b * prefill
        return out

    def _forward(
        self, rank_batch: np.ndarray, query_len: np.ndarray, seq_len: np.ndarray
    ) -> _Forward:
        features = self.features(rank_batch, query_len, seq_len)
        latency = self.roofline.latency_s(features) * 1e3
        return _Forward(latency, *self._memory(rank_batch, seq_len, features[:, 1], features[:, 2]))

    def _memory(self, rank_batch, seq_len, tokens, rows):
        """KV, activation and bytes left of forwards (arrays) or of one (Python numbers)."""
        # msmodeling sizes every forward's cache for the MTP drafts too.
        kv = kv_cache_bytes(
            self._kv_per_token, rank_batch, seq_len + 1 + self.deployment.num_mtp_tokens
        )
        act = tokens * self._activation_per_token + rows * self._logits_per_row
        act = act + self._activation_fixed
        return kv, act, self._budget_bytes - kv - act

    def _remainder_and_decode(self, concurrency: np.ndarray, bs: np.ndarray, decode: bool):
        """Remainder prefill waves and (optionally) decode steps, in one roofline pass.

        Large sweeps evaluate each distinct remainder size once.
        """
        dep = self.deployment
        remainder = np.maximum(concurrency % self._wave, 1)
        inverse = None
        if remainder.size > 32:
            remainder, inverse = np.unique(remainder, return_inverse=True)
        n = remainder.size
        rows = n + (bs.size if decode else 0)
        rank_batch = np.empty(rows, dtype=np.int64)
        query = np.full(rows, dep.input_length, dtype=np.int64)
        seq = query.copy()
        rank_batch[:n] = -(-remainder // dep.dp)
        if decode:
            rank_batch[n:] = bs
            query[n:] = self._decode_query
            seq[n:] = self._decode_seq
        both = self._forward(rank_batch, query, seq)
        rem = both.take(slice(0, n))
        if inverse is not None:
            rem = rem.take(inverse)
        return rem, (self._folded(both.take(slice(n, None))) if decode else None)

    def _folded(self, decode: _Forward) -> _Forward:
        """A decode step's latency per output token (serving model §1.4 b, MTP fold)."""
        if self._fold == 1.0:
            return decode
        return _Forward(
            decode.latency_ms / self._fold,
            decode.kv_bytes,
            decode.activation_bytes,
            decode.left_bytes,
        )

    def _prefill_memory(self, concurrency: np.ndarray, rem: _Forward):
        """Memory left over the prefill waves that run, and the KV/activation of the tighter one."""
        has_full = concurrency >= self._wave
        has_rem = concurrency % self._wave > 0
        full = self._full_wave
        full_left = np.where(has_full, full.left_bytes[0], np.inf)
        rem_left = np.where(has_rem, rem.left_bytes, np.inf)
        full_binds = full_left <= rem_left
        return (
            np.minimum(full_left, rem_left),
            np.where(full_binds, full.kv_bytes[0], rem.kv_bytes),
            np.where(full_binds, full.activation_bytes[0], rem.activation_bytes),
            np.where(has_full, full.latency_ms[0], np.nan),
        )

    def probe(self, batch_size: int) -> ProbeResult:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise SimulatorInputError("batch_size", f"must be an integer, got {batch_size!r}")
        if batch_size < 1:
            raise SimulatorInputError("batch_size", f"must be >= 1, got {batch_size}")
        if self.deployment.mode is Mode.AGG and len(self._chunks) == 1:
            return self._probe_agg(int(batch_size))
        return self._evaluate(np.array([batch_size], dtype=np.int64)).row(0)

    def _probe_agg(self, bs: int) -> ProbeResult:
        """``_sweep_agg`` for one batch size in Python floats: numpy's per-call overhead on
        one-element arrays was most of a probe. Same operations in the same order, so the
        result is bit-identical to the sweep's row (tested)."""
        dep = self.deployment
        c = bs * dep.dp
        wave = self._wave
        rem, decode = self._forward_pair(-(-max(c % wave, 1) // dep.dp), bs)
        full = self._full_wave
        full_ms, full_left = float(full.latency_ms[0]), float(full.left_bytes[0])
        ttft, _ = wave_timing(c, wave, full_ms, rem[0])
        has_full, has_rem = c >= wave, c % wave > 0
        full_side = full_left if has_full else INF
        rem_side = rem[3] if has_rem else INF
        full_binds = full_side <= rem_side
        prefill_left = min(full_side, rem_side)
        p_kv = float(full.kv_bytes[0]) if full_binds else rem[1]
        p_act = float(full.activation_bytes[0]) if full_binds else rem[2]
        wave_ms = full_ms if has_full else NAN
        prefill_oom = prefill_left < 0
        tpot, tokens = agg_timing(c, dep.output_length, ttft, decode[0])
        decode_ms = decode[0]
        if prefill_oom:
            ttft = tpot = INF
            tokens, decode_ms = 0.0, NAN
        decode_binds = decode[3] <= prefill_left and not prefill_oom
        left = decode[3] if decode_binds else prefill_left
        oom = (("prefill_oom", prefill_oom), ("decode_oom", left < 0))
        failed = (name for name, fails in self._verdicts(oom, ttft, tpot) if fails)
        reason = next(failed, None)
        total_gib = dep.device.memory_bytes / GIB
        weights_gib = self.weight_bytes / GIB
        available = left / GIB
        return ProbeResult(
            batch_size=bs,
            concurrency=c,
            ttft_ms=field_value(ttft),
            tpot_ms=field_value(tpot),
            decode_ms=field_value(decode_ms),
            prefill_wave_ms=field_value(wave_ms),
            tokens_per_s=field_value(tokens),
            tokens_per_s_per_device=field_value(tokens / dep.num_devices),
            total_gib=total_gib,
            weights_gib=weights_gib,
            kv_cache_gib=(decode[1] if decode_binds else p_kv) / GIB,
            activation_gib=(decode[2] if decode_binds else p_act) / GIB,
            reserved_gib=dep.reserved_memory_gb,
            available_gib=available,
            per_request_gib=(total_gib - weights_gib - dep.reserved_memory_gb - available) / bs,
            feasible=reason is None,
            reason=reason,
        )

    def _forward_pair(self, rem_rank: int, bs: int) -> tuple[list[float], list[float]]:
        """The remainder prefill wave and the (folded) decode step of one probe, as
        [latency ms, KV bytes, activation bytes, bytes left] in Python floats.

        A search's probes share a handful of remainder-wave shapes (one per rank batch up to
        the wave), so those rows are kept; every decode row is computed afresh."""
        dep = self.deployment
        decode_shape = (bs, self._decode_query, self._decode_seq)
        rem = self._prefill_rows.get(rem_rank)
        shapes = [decode_shape]
        if rem is None:
            shapes.insert(0, (rem_rank, dep.input_length, dep.input_length))
        features = np.array([_feature_row(*shape) for shape in shapes])
        latency = (self.roofline.latency_s(features) * 1e3).tolist()
        rows = [
            [ms, *self._memory(b, s, row[1], row[2])]
            for (b, _, s), ms, row in zip(shapes, latency, features.tolist(), strict=True)
        ]
        if rem is None:
            rem = self._prefill_rows[rem_rank] = rows.pop(0)
        decode = rows[0]
        if self._fold != 1.0:
            decode[0] = decode[0] / self._fold
        return rem, decode

    def sweep(self, batch_sizes) -> SweepResult:
        bs = np.atleast_1d(np.asarray(batch_sizes))
        if bs.ndim != 1 or (bs.size and not np.issubdtype(bs.dtype, np.integer)):
            raise SimulatorInputError("batch_size", "must be integers")
        bs = bs.astype(np.int64)
        if bs.size and bs.min() < 1:
            raise SimulatorInputError("batch_size", f"must be >= 1, got {int(bs.min())}")
        return self._evaluate(bs)

    def _evaluate(self, bs: np.ndarray) -> SweepResult:
        mode = self.deployment.mode
        if mode is Mode.DISAGG_DECODE:
            return self._sweep_decode(bs)
        if mode is Mode.DISAGG_PREFILL:
            return self._sweep_prefill(bs)
        if len(self._chunks) > 1:
            return self._sweep_chunked(bs)
        return self._sweep_agg(bs)

    def _record(self, rank_batch: int, query: int, seq: int) -> Record:
        """One forward of the chunked replay, computed once per shape."""
        key = (rank_batch, query, seq)
        if key not in self._records:
            f = self._forward(np.array([rank_batch]), np.array([query]), np.array([seq]))
            self._records[key] = Record(
                float(f.latency_ms[0]),
                float(f.left_bytes[0]),
                float(f.kv_bytes[0]),
                float(f.activation_bytes[0]),
            )
        return self._records[key]

    def _sweep_chunked(self, bs: np.ndarray) -> SweepResult:
        """Chunked prefill (serving model §1.4 c): the replay, once per batch size."""
        dep = self.deployment
        dp = dep.dp
        budget = dep.effective_max_batched_tokens * dp
        concurrency = bs * dp
        replays = [
            replay(
                int(c),
                dep.output_length,
                self._chunks,
                budget,
                lambda p, chunk: self._record(-(-p // dp), chunk.query_len, chunk.seq_len),
                lambda d: self._record(-(-d // dp), self._decode_query, self._decode_seq),
            )
            for c in concurrency
        ]

        def column(read) -> np.ndarray:
            return np.array([read(r) for r in replays], dtype=np.float64)

        decode_oom = np.array([r.decode_oom for r in replays], dtype=bool)
        return self._result(
            bs,
            concurrency,
            ttft=column(lambda r: r.ttft_ms),
            tpot=column(lambda r: r.tpot_ms),
            decode_ms=column(lambda r: r.last_decode_ms),
            wave_ms=column(lambda r: r.last_prefill_ms),
            tokens=column(lambda r: r.tokens_per_s),
            kv=column(lambda r: r.left.kv_bytes),
            act=column(lambda r: r.left.activation_bytes),
            left=column(lambda r: r.left.left_bytes),
            oom=(
                ("prefill_oom", np.array([r.prefill_oom for r in replays], dtype=bool)),
                ("decode_oom", decode_oom),
            ),
        )

    def _sweep_agg(self, bs: np.ndarray) -> SweepResult:
        dep = self.deployment
        concurrency = bs * dep.dp
        rem, decode = self._remainder_and_decode(concurrency, bs, decode=True)
        ttft, _ = wave_timing(
            concurrency, self._wave, self._full_wave.latency_ms[0], rem.latency_ms
        )
        prefill_left, p_kv, p_act, wave_ms = self._prefill_memory(concurrency, rem)
        prefill_oom = prefill_left < 0
        tpot, tokens = agg_timing(concurrency, dep.output_length, ttft, decode.latency_ms)
        decode_ms = decode.latency_ms
        if prefill_oom.any():
            ttft, tpot, tokens, decode_ms = (
                ttft.copy(),
                tpot.copy(),
                tokens.copy(),
                decode_ms.copy(),
            )
            ttft[prefill_oom] = tpot[prefill_oom] = np.inf
            tokens[prefill_oom] = 0.0
            decode_ms[prefill_oom] = np.nan
        decode_binds = (decode.left_bytes <= prefill_left) & ~prefill_oom
        left = np.where(decode_binds, decode.left_bytes, prefill_left)
        return self._result(
            bs,
            concurrency,
            ttft=ttft,
            tpot=tpot,
            decode_ms=decode_ms,
            wave_ms=wave_ms,
            tokens=tokens,
            kv=np.where(decode_binds, decode.kv_bytes, p_kv),
            act=np.where(decode_binds, decode.activation_bytes, p_act),
            left=left,
            oom=(("prefill_oom", prefill_oom), ("decode_oom", left < 0)),
        )

    def _sweep_decode(self, bs: np.ndarray) -> SweepResult:
        dep = self.deployment
        concurrency = bs * dep.dp
        decode = self._folded(
            self._forward(
                bs, np.full(bs.size, self._decode_query), np.full(bs.size, self._decode_seq)
            )
        )
        nan = np.full(bs.shape, np.nan)
        return self._result(
            bs,
            concurrency,
            ttft=nan,
            tpot=decode.latency_ms,
            decode_ms=decode.latency_ms,
            wave_ms=nan,
            tokens=1000.0 * concurrency / decode.latency_ms,
            kv=decode.kv_bytes,
            act=decode.activation_bytes,
            left=decode.left_bytes,
            oom=(("decode_oom", decode.left_bytes < 0),),
        )

    def _sweep_prefill(self, bs: np.ndarray) -> SweepResult:
        dep = self.deployment
        concurrency = bs * dep.dp
        rem, _ = self._remainder_and_decode(concurrency, bs, decode=False)
        ttft, phase = wave_timing(
            concurrency, self._wave, self._full_wave.latency_ms[0], rem.latency_ms
        )
        left, kv, act, wave_ms = self._prefill_memory(concurrency, rem)
        oom = left < 0
        # msmodeling replays the waves in order and stops after the first that runs out of
        # memory; with no complete TTFT average it reports the phase latency so far as TTFT
        # (disagg_throughput_optimizer, the OOM/partial replay branch), and throughput over it.
        full_oom = (concurrency >= self._wave) & (self._full_wave.left_bytes[0] < 0)
        elapsed = np.where(oom, np.where(full_oom, self._full_wave.latency_ms[0], phase), phase)
        tokens = concurrency * dep.input_length / elapsed * 1000.0
        return self._result(
            bs,
            concurrency,
            ttft=np.where(oom, elapsed, ttft),
            tpot=np.full(bs.shape, np.nan),
            decode_ms=np.full(bs.shape, np.nan),
            wave_ms=wave_ms,
            tokens=tokens,
            kv=kv,
            act=act,
            left=left,
            oom=(("prefill_oom", oom),),
        )

    def _result(
        self, bs, concurrency, *, ttft, tpot, decode_ms, wave_ms, tokens, kv, act, left, oom
    ) -> SweepResult:
        dep = self.deployment
        code = np.zeros(bs.shape, dtype=np.int8)
        for name, mask in reversed(self._verdicts(oom, ttft, tpot)):
            code[mask] = REASONS.index(name) + 1
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
            reason_code=code,
        )

    def _verdicts(self, oom, ttft, tpot) -> list[tuple[str, np.ndarray]]:
        """Early-stop checks in msmodeling order: memory, TPOT, then TTFT. NaN never fails."""
        dep = self.deployment
        checks = list(oom)
        if dep.tpot_limit_ms is not None:
            checks.append(("tpot_limit", tpot > dep.tpot_limit_ms))
        if dep.ttft_limit_ms is not None:
            checks.append(("ttft_limit", ttft > dep.ttft_limit_ms))
        return checks


def _feature_row(b: int, q: int, s: int) -> list[float]:
    """``Simulator.features`` for one shape, in the same operations."""
    rows = float(b)
    tokens = rows * q
    prefill = 1.0 if q >= PREFILL_FROM_QUERY_LEN else 0.0
    qs = tokens * s
    return [
        1.0,
        tokens,
        rows,
        qs,
        rows * s,
        prefill,
        tokens * prefill,
        qs * prefill,
        rows * prefill,
    ]


@cache
def simulator_for(deployment: Deployment) -> Simulator:
    return Simulator(deployment)


def probe(deployment: Deployment, batch_size: int) -> ProbeResult:
    return simulator_for(deployment).probe(batch_size)


def sweep(deployment: Deployment, batch_sizes) -> SweepResult:
    return simulator_for(deployment).sweep(batch_sizes)
