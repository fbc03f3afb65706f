"""One deployment's forwards: the latency and memory of forward shapes, one or many at a time.

A shape is (sequences per rank, query tokens each, sequence length). Evaluating several shapes
together costs one roofline pass; a probe's shapes are kept (msmodeling memoizes forwards by
shape too), so the few prefill waves a search's probes share are computed once.
"""

from __future__ import annotations

from typing import NamedTuple

from simulator.dcp import kv_capacity_factor
from simulator.deployment import Deployment
from simulator.devices import GIB
from simulator.forward.features import Features
from simulator.forward.roofline import roofline_of
from simulator.memory import (
    activation_per_forward,
    activation_per_token,
    dspark_head_bytes,
    kv_bytes_per_token,
    kv_cache_bytes,
    logits_bytes_per_row,
    weight_bytes,
)
from simulator.numbers import SCALAR, Numbers

KEPT_SHAPES = 65_536
"""Python-number shapes kept per deployment before the memo starts afresh."""
UNIQUE_FROM = 32
"""An array of shapes at least this long is reduced to its distinct rank batches first."""
HETEROGENEOUS_ACTIVATION = 0.1
"""The share of its activation an overflowing mixed-length prefill keeps (msmodeling's
_check_peak_memory_usage_gb, tensor_cast/core/model_runner.py)."""


class ForwardShape(NamedTuple):
    """A forward msmodeling's optimizer runs for a probe, under its cache key: decode or prefill,
    the model concurrency, query and sequence length; ``memoized`` where the optimizer keeps it
    for the rest of the strategy's search (disaggregated decode and single-wave prefill do not)."""

    decode: bool
    concurrency: int
    query_len: int
    seq_len: int
    memoized: bool = True


class ForwardCost(NamedTuple):
    """One forward's latency and the memory it takes and leaves on a rank (numbers or arrays)."""

    latency_ms: object
    kv_bytes: object
    activation_bytes: object
    left_bytes: object


class Forwards:
    """The forward model of one deployment: roofline latency and memory per rank."""

    def __init__(self, dep: Deployment) -> None:
        self.dep = dep
        self.roofline = roofline_of(dep)
        self.weight_bytes = weight_bytes(dep)
        self._kv_per_token = kv_bytes_per_token(dep)
        self._activation_per_token = activation_per_token(dep)
        self._logits_per_row = logits_bytes_per_row(dep)
        self._activation_fixed = activation_per_forward(dep)
        self._budget_bytes = (
            dep.device.memory_bytes - dep.reserved_memory_gb * GIB - self.weight_bytes
        )
        # msmodeling sizes every forward's cache for the MTP drafts too.
        self._cache_extra = 1 + dep.num_mtp_tokens + (dep.draft.block - 1 if dep.draft else 0)
        self._kv_factor = kv_capacity_factor(dep.model, dep.tp, dep.dcp)
        self._kept: dict[tuple[int, int, int], ForwardCost] = {}
        self._prefill_from = dep.draft.block + 1 if dep.draft else 0
        self._unseen_in_prefill = dspark_head_bytes(dep)

    def costs(self, num: Numbers, shapes: list[tuple]) -> list[ForwardCost]:
        """The cost of each (rank_batch, query_len, seq_len) shape: ints with ``SCALAR``, or
        with ``VECTOR`` an int array of rank batches and ints or arrays of lengths."""
        if num is SCALAR:
            return self._scalar_costs(shapes)
        return self._vector_costs(num, shapes)

    def _scalar_costs(self, shapes: list[tuple[int, int, int]]) -> list[ForwardCost]:
        kept = self._kept
        for shape in shapes:
            if shape not in kept:
                if len(kept) >= KEPT_SHAPES:
                    kept.clear()
                b, q, s = shape
                f = Features.of(b, q, s, SCALAR, self.dep.dcp, self._prefill_from)
                ms = self.roofline.latency_s(f, SCALAR) * 1e3
                kept[shape] = ForwardCost(ms, *self._memory(b, s, f, SCALAR))
        return [kept[shape] for shape in shapes]

    def _vector_costs(self, num: Numbers, shapes: list[tuple]) -> list[ForwardCost]:
        import numpy as np

        columns, inverses, sizes = [], [], []
        for rank_batch, query, seq in shapes:
            rank_batch = np.asarray(rank_batch, dtype=np.int64)
            inverse = None
            if rank_batch.size >= UNIQUE_FROM and np.ndim(query) == 0 and np.ndim(seq) == 0:
                rank_batch, inverse = np.unique(rank_batch, return_inverse=True)
            n = rank_batch.size
            columns.append((rank_batch, np.broadcast_to(query, n), np.broadcast_to(seq, n)))
            inverses.append(inverse)
            sizes.append(n)
        rank_batch, query, seq = (np.concatenate(parts) for parts in zip(*columns, strict=True))
        features = Features.of(rank_batch, query, seq, num, self.dep.dcp, self._prefill_from)
        latency = self.roofline.latency_s(features, num) * 1e3
        both = ForwardCost(latency, *self._memory(rank_batch, seq, features, num))
        out, start = [], 0
        for n, inverse in zip(sizes, inverses, strict=True):
            part = ForwardCost(*(column[start : start + n] for column in both))
            if inverse is not None:
                part = ForwardCost(*(column[inverse] for column in part))
            out.append(part)
            start += n
        return out

    def mixed_memory(self, context, tokens, rows, mixed):
        """``chunk_memory`` of many forwards (numpy columns): KV, activation and bytes left."""
        import numpy as np

        columns = (context.tolist(), tokens.tolist(), rows.tolist(), mixed.tolist())
        each = [self.chunk_memory(*forward) for forward in zip(*columns, strict=True)]
        kv, act, left = zip(*each, strict=True)
        return np.array(kv), np.array(act, dtype=np.float64), np.array(left, dtype=np.float64)

    def chunk_memory(self, context: int, tokens, rows: int, mixed) -> tuple[int, float, float]:
        """KV, activation and bytes left of a forward of ``rows`` requests of different
        lengths, ``context`` their sequences' sum: tensor_cast's varlen inputs allocate the
        requests' tokens together in whole blocks. ``mixed``: their query lengths differ."""
        kv = kv_cache_bytes(self._kv_per_token, 1, context + rows * self._cache_extra)
        act = tokens * self._activation_per_token + rows * self._logits_per_row
        act = act + self._activation_fixed
        left = self._budget_bytes - kv - act
        # tensor_cast/core/model_runner.py, _check_peak_memory_usage_gb: a prefill of several
        # query lengths that overflows is re-estimated with a tenth of its activation
        # ("empirical calibration for heterogeneous multi-sequence prefill").
        if left < 0 and mixed:
            act = HETEROGENEOUS_ACTIVATION * act
            left = self._budget_bytes - kv - act
        return kv, act, left

    def _memory(self, rank_batch, seq_len, f: Features, num: Numbers):
        """KV, activation and bytes left of forwards (numbers or arrays)."""
        kv = kv_cache_bytes(
            self._kv_per_token, rank_batch, seq_len + self._cache_extra, self._kv_factor
        )
        act = f.tokens * self._activation_per_token + f.rows * self._logits_per_row
        act = act + self._activation_fixed
        if self._unseen_in_prefill:
            # msmodeling's activation is its traced peak less every weight: a prefill never
            # touches DSpark's heads, so its activation comes out that much lower (never < 0).
            act = num.maximum(act - f.prefill * self._unseen_in_prefill, 0.0)
        return kv, act, self._budget_bytes - kv - act
