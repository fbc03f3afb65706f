"""One MoE layer as msmodeling costs it, vectorized over the tokens a rank holds.

msmodeling (``tensor_cast/layers/moe_layer.py``, ``parallel_linear.py``) simulates global rank 0
only, routes uniformly (expert ``e`` gets ``S // E + [e < S % E]`` of the ``S = T·top_k`` slots)
and assumes every EP peer sends rank 0 as many rows as it keeps. Every active expert then runs
its own chain of small ops, each with a fixed cost, so the layer's latency is a step function of
the token count, not an affine one: it lives here rather than in the affine op table of
``ops.py``. Each op costs ``max(compute, memory) + fixed`` when it has work and nothing when it
is empty; a collective costs the faster of its two algorithms (``comm.py``).

Token flow (``ParallelMoELayer``), with ``mtp = N / (EP·MoE-DP)`` ranks per expert shard:
- EP = 1: the DP replicas' tokens are all-gathered (DP > 1); rows pad to a multiple of mtp.
- EP > 1: when DP != EP, tokens pad to a multiple of TP and are split over the attention-TP
  ranks, then all-gathered back after the combine; rows pad to a multiple of TP. When
  mtp > 1 and mtp != TP, every expert linear gathers its rows over the expert-TP group and
  scatters them back ("gather_slice_data").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.comm import Link
from simulator.deployment import Deployment

BF16 = 2
FP32 = 4
SWIGLU_GP_PER_ELEMENT = 7.0  # msmodeling's swiglu epilogue: 7 general-purpose ops per output
SILU_GP_PER_ELEMENT = 6.0


@dataclass(frozen=True)
class MoEGroups:
    """How one deployment's ranks split into the groups an MoE layer talks over."""

    tp: int
    dp: int
    ep: int
    moe_tp: int
    local_experts: int
    dp_transform: bool
    gather_slice: bool
    pad_multiple: int

    @classmethod
    def of(cls, dep: Deployment) -> MoEGroups:
        p = dep.parallel
        experts = dep.model.num_experts
        if p.ep > 1:
            dp_transform = p.dp != p.ep
            pad_multiple = p.tp
        else:
            dp_transform = p.dp != 1
            pad_multiple = p.moe_tp
        return cls(
            tp=p.tp,
            dp=p.dp,
            ep=p.ep,
            moe_tp=p.moe_tp,
            local_experts=-(-experts // p.ep),
            dp_transform=dp_transform,
            gather_slice=p.ep > 1 and p.moe_tp > 1 and p.moe_tp != p.tp,
            pad_multiple=pad_multiple,
        )


class _Vector:
    """Arithmetic over numpy arrays of forward shapes (sweeps)."""

    max = staticmethod(np.maximum)
    min = staticmethod(np.minimum)
    where = staticmethod(np.where)

    @staticmethod
    def choose(condition, if_true, if_false):
        return np.where(condition, if_true(), if_false())

    @staticmethod
    def times(count, cost, argument):
        return count * cost(argument)


class _Scalar:
    """The same arithmetic over Python numbers: a probe's few shapes skip numpy's per-call
    overhead, and IEEE arithmetic in the same order gives bit-identical results."""

    max = staticmethod(max)
    min = staticmethod(min)

    @staticmethod
    def where(condition, if_true, if_false):
        return if_true if condition else if_false

    @staticmethod
    def choose(condition, if_true, if_false):
        """Like where, but only the chosen branch is computed."""
        return if_true() if condition else if_false()

    @staticmethod
    def times(count, cost, argument):
        """count * cost(argument), skipping the cost where count is 0 (0 * x is 0 for x finite)."""
        return count * cost(argument) if count else 0 * 0.0


SCALAR_UP_TO = 16


class _Ops:
    """Elementwise op costs in seconds for one device, over arrays or Python numbers."""

    def __init__(self, dep: Deployment, math_: type[_Vector] | type[_Scalar]) -> None:
        device = dep.device
        self.m = math_
        self.scalar = math_ is _Scalar
        self.dep = dep
        self.bandwidth = device.effective_memory_bandwidth
        self.mma_cost = device.mma_op_cost_s
        self.gp_cost = device.gp_op_cost_s
        self.comm_cost = device.comm_op_cost_s
        self.scheme = dep.linear_quant.scheme
        self.quantized = dep.linear_quant.is_quantized
        self.mma_rate = device.mma_rate(self.scheme.mma_dtype if self.quantized else "bf16")
        self.bf16_rate = device.mma_rate("bf16")
        self.fp32_rate = device.mma_rate("fp32")
        self.gp_fp32 = device.gp_rate("fp32")
        self.gp_bf16 = device.gp_rate("bf16")

    def memory(self, nbytes, gp_flops=None, gp_rate=None):
        """A general-purpose op: memory-bound unless its vector work is larger."""
        seconds = nbytes / self.bandwidth
        gp = None if gp_flops is None else gp_flops / (gp_rate or self.gp_fp32)
        if self.scalar:
            if gp is not None and gp > seconds:
                seconds = gp
            return seconds + self.gp_cost if seconds > 0 else 0.0
        if gp is not None:
            seconds = np.maximum(seconds, gp)
        return np.where(seconds > 0, seconds + self.gp_cost, 0.0)

    def matmul(
        self,
        rows,
        k: int,
        n: int,
        weight_bytes,
        *,
        act_bytes,
        quantized: bool,
        rate,
        out_width: int | None = None,
    ):
        """A matmul of ``rows x k`` by ``k x n`` that reads ``weight_bytes`` of weights."""
        compute = 2.0 * rows * k * n / rate
        per_row = act_bytes * k + (FP32 if quantized else 0) + BF16 * (out_width or n)
        memory = (rows * per_row + weight_bytes) / self.bandwidth
        if self.scalar:
            if rows > 0:
                return (compute if compute >= memory else memory) + self.mma_cost
            return 0.0
        return np.where(rows > 0, np.maximum(compute, memory) + self.mma_cost, 0.0)

    def linear(self, rows, k: int, n: int, experts=1):
        """An expert linear with msmodeling's activation quantize op in front (eager)."""
        return self.quantize(rows, k) + self.expert_gemm(rows, k, n, experts)

    def expert_gemm(self, rows, k: int, n: int, experts=1, out_width: int | None = None):
        """A (quantized) expert GEMM reading the weights of ``experts`` experts."""
        scheme = self.scheme
        weight = experts * k * n * (scheme.weight_bytes if self.quantized else BF16)
        act = scheme.activation_bytes if self.quantized else BF16
        seconds = self.matmul(
            rows,
            k,
            n,
            weight,
            act_bytes=act,
            quantized=self.quantized and scheme.quantizes_activations,
            rate=self.mma_rate,
            out_width=out_width,
        )
        if self.quantized and scheme.dequant_gp_per_weight:
            dequant = scheme.dequant_gp_per_weight * weight / scheme.weight_bytes / self.gp_fp32
            seconds = self.m.where(rows > 0, seconds + dequant, 0.0)
        return seconds

    def quantize(self, rows, width: int):
        if not (self.quantized and self.scheme.quantizes_activations):
            return 0.0
        return self.memory(rows * (BF16 * width + width + FP32))

    def collective(self, link: Link | None, kind: str, message, out_bytes):
        """``message``: bytes per rank (all_gather), the tensor (all_reduce), or the bytes
        exchanged with other ranks (all_to_all); ``out_bytes`` sizes the local copy."""
        if link is None:
            return 0.0
        n, bw, lat = link.group_size, link.bandwidth, link.latency
        log_n = math.log2(n)
        if kind == "all_gather":
            first = (n - 1) * lat + (n - 1) * message / bw
            second = log_n * lat + (n - 1) * message / bw
            local = message + out_bytes
        elif kind == "all_reduce":
            first = 2 * (n - 1) * lat + 2 * (n - 1) / n * message / bw
            second = 2 * log_n * lat + 2 * message / bw
            local = 2 * message
        else:
            first = (n - 1) * lat + message / bw
            second = math.ceil(log_n) * lat + message / bw
            local = out_bytes
        local = local / self.bandwidth
        if self.scalar:
            if message > 0:
                fastest = second if second < first else first
                return (fastest if fastest >= local else local) + self.comm_cost
            return 0.0
        seconds = np.maximum(np.minimum(first, second), local)
        return np.where(message > 0, seconds + self.comm_cost, 0.0)


class MoELayerCost:
    """Latency of one MoE layer on global rank 0, for arrays of tokens per attention-DP rank."""

    def __init__(self, dep: Deployment) -> None:
        self._vector = _Layer(dep, _Vector)
        self._scalar = _Layer(dep, _Scalar)

    def latency_s(self, tokens: np.ndarray) -> np.ndarray:
        """Seconds for one layer, one element per forward shape."""
        if tokens.size <= SCALAR_UP_TO:
            seconds = self._scalar.seconds
            return np.array([seconds(int(t)) for t in tokens.tolist()])
        return self._vector.seconds(tokens.astype(np.int64))


class _Layer:
    """One MoE layer's op chain, written once for both kinds of arithmetic."""

    def __init__(self, dep: Deployment, math_: type[_Vector] | type[_Scalar]) -> None:
        m = dep.model
        self.dep = dep
        self.m = math_
        self.groups = MoEGroups.of(dep)
        self.ops = _Ops(dep, math_)
        self.hidden = m.hidden_size
        self.intermediate = m.moe_intermediate_size
        self.shard = -(-m.moe_intermediate_size // self.groups.moe_tp)
        self.experts = m.num_experts
        self.top_k = m.experts_per_token
        self.sigmoid_router = m.sigmoid_router
        self.groups_of_experts = m.expert_groups
        self.top_groups = m.top_expert_groups
        self.shared = m.shared_experts * m.moe_intermediate_size
        self.shared_tp = dep.shared_expert_tp
        g = self.groups
        self.tp_link = self._link(g.tp, 1)
        self.moe_tp_link = self._link(g.moe_tp, 1)
        self.ep_link = self._link(g.ep, g.moe_tp)
        self.dp_link = self._link(g.dp, g.tp)

    def _link(self, size: int, stride: int) -> Link | None:
        if size <= 1:
            return None
        bandwidth, latency = self.dep.device.grid.link_for_group(size, stride)
        return Link(size, bandwidth, latency)

    def seconds(self, tokens):
        """Seconds for one layer at ``tokens`` tokens per attention-DP rank."""
        g, ops, h, m = self.groups, self.ops, self.hidden, self.m
        seconds = 0.0
        if g.ep > 1:
            if g.dp_transform:
                padded = -(-tokens // g.tp) * g.tp
                seconds += ops.memory(m.where(padded > tokens, (tokens + padded) * BF16 * h, 0))
                moe_tokens = padded // g.tp
                seconds += ops.collective(
                    self.tp_link, "all_gather", moe_tokens * BF16 * h, padded * BF16 * h
                )
            else:
                moe_tokens = tokens
        elif g.dp_transform:
            moe_tokens = tokens * g.dp
            seconds += ops.collective(
                self.dp_link, "all_gather", tokens * BF16 * h, moe_tokens * BF16 * h
            )
        else:
            moe_tokens = tokens
        if self.sigmoid_router:
            seconds += self._sigmoid_router(tokens, moe_tokens)
        else:
            seconds += self._router(moe_tokens)
        if self.shared:
            seconds += self._shared_experts(tokens, moe_tokens)
        slots = moe_tokens * self.top_k
        per_expert, remainder = divmod(slots, self.experts)
        high = m.min(remainder, g.local_experts)
        low = m.where(per_expert > 0, g.local_experts - high, 0)
        local_slots = g.local_experts * per_expert + high
        received = g.ep * local_slots
        idle = g.local_experts - high - low
        seconds += self._dispatch_and_combine(moe_tokens, slots, local_slots, received, idle)
        rows_high, rows_low = g.ep * (per_expert + 1), g.ep * per_expert

        def one_by_one():
            return m.times(high, self._expert, rows_high) + m.times(low, self._expert, rows_low)

        if not (self.dep.compiled and not g.gather_slice):
            return seconds + one_by_one()
        # torch.compile fuses the experts into grouped matmuls (and one all-reduce) only when
        # no expert pads its rows, so whether it does depends on the shape.
        unpadded = ((high == 0) | (rows_high % g.pad_multiple == 0)) & (
            (low == 0) | (rows_low % g.pad_multiple == 0)
        )
        return seconds + m.choose(
            unpadded, lambda: self._grouped_experts(received, high + low), one_by_one
        )

    def _router(self, tokens: np.ndarray) -> np.ndarray:
        """The bf16 gate matmul and the top-k softmax around it (eager or compiled ops)."""
        ops, h, e, k = self.ops, self.hidden, self.experts, self.top_k
        seconds = ops.matmul(
            tokens, h, e, BF16 * h * e, act_bytes=BF16, quantized=False, rate=ops.bf16_rate
        )
        logits = tokens * e
        picked = tokens * k
        # Eager: to fp32, softmax, topk. Compiled: amax, sub, exp, sum, div, convert, topk.
        elementwise = 5 if self.dep.compiled else 1
        over_logits = (
            ops.memory(logits * (BF16 + FP32))
            + elementwise * ops.memory(logits * 2 * FP32, logits)
            + ops.memory(logits * FP32 + picked * (FP32 + 8))
        )
        return seconds + over_logits + self._normalize_picked(tokens, picked)

    def _normalize_picked(self, tokens, picked):
        """Sum, divide and cast back the picked routing weights."""
        ops = self.ops
        return (
            ops.memory(picked * FP32 + tokens * FP32, picked)
            + ops.memory(picked * 2 * FP32 + tokens * FP32, picked)
            + ops.memory(picked * (FP32 + BF16))
        )

    def _sigmoid_router(self, tokens, moe_tokens):
        """DeepSeek's gate: an fp32 matmul over the rank's tokens before the TP split (the
        weight read as fp32), the logits padded like the rows, then one fused top-k op."""
        ops, h, e, k, g = self.ops, self.hidden, self.experts, self.top_k, self.groups
        seconds = ops.memory(tokens * h * (BF16 + FP32))
        seconds += ops.matmul(
            tokens,
            h,
            e,
            FP32 * h * e,
            act_bytes=FP32,
            quantized=False,
            rate=ops.fp32_rate,
            out_width=e * FP32 // BF16,
        )
        if not self.dep.compiled:
            seconds += self._eager_group_top_k(tokens)
        if g.ep > 1 and g.dp_transform:
            padded = -(-tokens // g.tp) * g.tp
            seconds += ops.memory(self.m.where(padded > tokens, (tokens + padded) * FP32 * e, 0))
        picked = moe_tokens * k
        seconds += ops.memory(moe_tokens * FP32 * e + picked * 3 * FP32)
        return seconds + self._normalize_picked(moe_tokens, picked)

    def _eager_group_top_k(self, tokens):
        """Eager, noaux_tc's op chain runs unfused over the rank's tokens: sigmoid, bias, the
        best two scores per expert group, the top groups, the mask, the top-k over what is
        left, the gather of its weights, their normalization and scaling, 18 small ops
        (msmodeling's eager trace), each costed by the bytes it moves."""
        ops, e, k = self.ops, self.experts, self.top_k
        groups = self.groups_of_experts
        logits = tokens * e * FP32
        seconds = 2 * ops.memory(2 * logits, tokens * e)  # sigmoid, + bias
        seconds += ops.memory(2 * logits)  # clone into groups
        seconds += ops.memory(logits + tokens * groups * 2 * (FP32 + 8))  # top-2 per group
        seconds += ops.memory(tokens * groups * 3 * FP32)  # group scores
        seconds += ops.memory(tokens * groups * FP32 + tokens * self.top_groups * (FP32 + 8))
        seconds += ops.memory(tokens * groups * FP32)  # zeros_like
        seconds += ops.memory(tokens * self.top_groups * 8 + tokens * groups * FP32)  # scatter
        seconds += ops.memory(2 * tokens * e)  # bitwise_not of the expanded mask
        seconds += ops.memory(2 * logits + tokens * e)  # masked_fill
        seconds += ops.memory(logits + tokens * k * (FP32 + 8))  # top-k
        seconds += ops.memory(tokens * k * (FP32 + 8) + tokens * k * FP32)  # gather
        seconds += ops.memory(tokens * e * (1 + FP32))  # the mask cast
        picked = tokens * k
        seconds += self._normalize_picked(tokens, picked)
        return seconds + ops.memory(2 * picked * FP32, picked)  # routed scaling

    def _shared_experts(self, tokens, moe_tokens):
        """The always-active shared expert beside the routed ones, then the add of both.

        By default it runs whole on the rows the rank routes; with shared-expert TP it runs on
        the rank's tokens with 1/TP of the intermediate width and one more all-reduce."""
        ops, h, g = self.ops, self.hidden, self.groups
        width = self.shared // g.tp if self.shared_tp else self.shared
        rows = tokens if self.shared_tp else moe_tokens
        if self.dep.compiled:
            seconds = ops.linear(rows, h, 2 * width)
        else:
            seconds = 2 * ops.linear(rows, h, width)
        seconds += self._activation(rows, width) + ops.linear(rows, width, h)
        if self.shared_tp:
            seconds += ops.collective(self.tp_link, "all_reduce", rows * BF16 * h, rows * BF16 * h)
        return seconds + ops.memory(3 * rows * BF16 * h, rows * h, ops.gp_bf16)

    def _dispatch_and_combine(self, tokens, slots, local_slots, received, idle) -> np.ndarray:
        """Routing init, the two all-to-alls, the regrouping copies and the weighted sum.

        Compiled, the copy that regroups dispatched rows by expert folds away unless EP > 1
        leaves some local expert without rows (seen in msmodeling's traces, not derived).
        """
        ops, g, h = self.ops, self.groups, self.hidden
        row = BF16 * h
        index_bytes = tokens * self.top_k * FP32
        seconds = ops.memory(tokens * row + index_bytes + slots * row)
        exchanged = self.m.max(slots - local_slots, received - local_slots) * row
        seconds += 2 * ops.collective(self.ep_link, "all_to_all", exchanged, received * row)
        regroup = ops.memory(2 * received * row)
        if self.dep.compiled:
            regroup = self.m.where((idle > 0) & (g.ep > 1), regroup, 0.0)
        seconds += regroup + ops.memory(2 * received * row)
        seconds += ops.memory(2 * slots * row + index_bytes)
        seconds += ops.memory(2 * slots * row + slots * BF16, slots * h)
        seconds += ops.memory(slots * row + tokens * row, slots * h)
        return seconds

    def _expert(self, rows: np.ndarray) -> np.ndarray:
        """One active expert receiving ``rows`` rows (zero rows cost nothing)."""
        g, ops, h, inter, shard = self.groups, self.ops, self.hidden, self.intermediate, self.shard
        padded = -(-rows // g.pad_multiple) * g.pad_multiple
        seconds = ops.memory(self.m.where(padded > rows, (rows + padded) * BF16 * h, 0))
        if not self.dep.compiled:
            seconds += ops.memory(2 * rows * BF16 * h)
        if g.gather_slice:
            gemm_rows = padded * g.moe_tp // g.tp
            local_rows = padded // g.tp
            gather = self._gather_rows
            up_projections = 1 if self.dep.compiled else 2
            for _ in range(up_projections):
                seconds += gather(self.moe_tp_link, local_rows, h)
                seconds += ops.linear(gemm_rows, h, shard * 2 // up_projections)
            seconds += 2 * gather(self.moe_tp_link, gemm_rows, shard)
            seconds += 2 * gather(self.tp_link, local_rows, inter)
            seconds += self._activation(padded, inter)
            seconds += gather(self.moe_tp_link, local_rows, inter)
            k_slice = gemm_rows * shard * BF16
            if not self.dep.compiled:
                seconds += ops.memory(k_slice)
            seconds += ops.memory(2 * k_slice)
            seconds += ops.linear(gemm_rows, shard, h)
            seconds += ops.collective(
                self.moe_tp_link, "all_reduce", gemm_rows * BF16 * h, gemm_rows * BF16 * h
            )
            seconds += gather(self.tp_link, local_rows, h)
            return seconds
        if self.dep.compiled:
            seconds += ops.linear(padded, h, 2 * shard)
        else:
            seconds += 2 * ops.linear(padded, h, shard)
        seconds += self._activation(padded, shard)
        seconds += ops.linear(padded, shard, h)
        seconds += ops.collective(
            self.moe_tp_link, "all_reduce", padded * BF16 * h, padded * BF16 * h
        )
        return seconds

    def _gather_rows(self, link: Link | None, rows, width: int):
        message = rows * BF16 * width
        size = link.group_size if link else 1
        return self.ops.collective(link, "all_gather", message, size * message)

    def _activation(self, rows, width: int) -> np.ndarray:
        """silu(gate) * up: two ops eager, one fused swiglu compiled."""
        ops, n = self.ops, rows * width
        if self.dep.compiled:
            return ops.memory(3 * n * BF16, SWIGLU_GP_PER_ELEMENT * n)
        return ops.memory(2 * n * BF16, SILU_GP_PER_ELEMENT * n) + ops.memory(
            3 * n * BF16, n, ops.gp_bf16
        )

    def _grouped_experts(self, rows, active) -> np.ndarray:
        """Compiled, fused experts: one quantize and one grouped GEMM per projection."""
        ops, h, shard = self.ops, self.hidden, self.shard
        seconds = ops.quantize(rows, h)
        seconds += ops.expert_gemm(rows, h, 2 * shard, active, out_width=shard)
        seconds += ops.quantize(rows, shard) + ops.expert_gemm(rows, shard, h, active)
        return seconds + ops.collective(
            self.moe_tp_link, "all_reduce", rows * BF16 * h, rows * BF16 * h
        )
