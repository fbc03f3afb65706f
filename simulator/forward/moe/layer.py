"""One MoE layer as msmodeling costs it, over the tokens a rank holds (numbers or arrays).

msmodeling (``tensor_cast/layers/moe_layer.py``, ``parallel_linear.py``) simulates global rank 0
only, routes uniformly (expert ``e`` gets ``S // E + [e < S % E]`` of the ``S = T·top_k`` slots)
and assumes every EP peer sends rank 0 as many rows as it keeps. Every active expert then runs
its own chain of small ops, each with a fixed cost, so the layer's latency is a step function of
the token count, not an affine one: it lives here rather than in the affine op table.

Token flow (``ParallelMoELayer``), with ``moe_tp = N / (EP·MoE-DP)`` ranks per expert shard:
- EP = 1: the DP replicas' tokens are all-gathered (DP > 1); rows pad to a multiple of MoE-TP.
- EP > 1: when DP != EP, tokens pad to a multiple of TP and are split over the attention-TP
  ranks, then all-gathered back after the combine; rows pad to a multiple of TP. When
  MoE-TP > 1 and MoE-TP != TP, every expert linear gathers its rows over the expert-TP group and
  scatters them back ("gather_slice_data").
"""

from __future__ import annotations

from simulator.deployment import Deployment
from simulator.dtypes import BF16, FP32
from simulator.forward.comm import Link
from simulator.forward.moe.costs import OpCosts
from simulator.forward.moe.experts import activation, expert, grouped_experts
from simulator.forward.moe.groups import MoEGroups
from simulator.forward.moe.router import router, sigmoid_router
from simulator.numbers import SCALAR, VECTOR, Numbers

SCALAR_UP_TO = 16
"""Forward shapes up to this many are costed one by one in Python numbers."""


class MoELayerCost:
    """Latency of one MoE layer on global rank 0, for arrays of tokens per attention-DP rank."""

    def __init__(self, dep: Deployment) -> None:
        self._vector = Layer(dep, VECTOR)
        self._scalar = Layer(dep, SCALAR)

    def latency_s(self, tokens, num: Numbers):
        """Seconds for one layer: a number for one shape's tokens, else one per shape."""
        if num.is_scalar:
            return self._scalar.seconds(int(tokens))
        import numpy as np

        if tokens.size <= SCALAR_UP_TO:
            seconds = self._scalar.seconds
            return np.array([seconds(int(t)) for t in tokens.tolist()])
        return self._vector.seconds(tokens.astype(np.int64))


class Layer:
    """One MoE layer's shapes and links, and its op chain in one kind of arithmetic."""

    def __init__(self, dep: Deployment, num: Numbers) -> None:
        m = dep.model
        self.dep = dep
        self.compile = dep.compile
        self.num = num
        self.groups = MoEGroups.of(dep)
        self.ops = OpCosts(dep, num)
        self.shared_ops = OpCosts(dep, num, dep.linears.non_expert)
        self.hidden = m.hidden_size
        self.intermediate = m.moe_intermediate_size
        self.shard = -(-m.moe_intermediate_size // self.groups.moe_tp)
        self.experts = m.num_experts
        self.top_k = m.experts_per_token
        self.sigmoid_router = m.sigmoid_router
        self.groups_of_experts = m.expert_groups
        self.top_groups = m.top_expert_groups
        self.shared = m.shared_experts * m.moe_intermediate_size
        self.shared_tp = dep.enable_shared_expert_tp
        g = self.groups
        self.tp_link = self._link(g.tp, 1)
        self.moe_tp_link = self._link(g.moe_tp, 1)
        self.ep_link = self._link(g.ep, g.moe_tp)
        self.dp_link = self._link(g.dp, g.tp)
        self._experts: dict[int, float] = {}

    def _expert_cost(self, rows):
        """One active expert's seconds; in Python numbers each row count is costed once, as
        neighbouring batch sizes route the same rows to their experts."""
        if not self.num.is_scalar:
            return expert(self, rows)
        seconds = self._experts.get(rows)
        if seconds is None:
            seconds = self._experts[rows] = expert(self, rows)
        return seconds

    def _link(self, size: int, stride: int) -> Link | None:
        if size <= 1:
            return None
        bandwidth, latency = self.dep.device.grid.link_for_group(size, stride)
        return Link(size, bandwidth, latency)

    def seconds(self, tokens):
        """Seconds for one layer at ``tokens`` tokens per attention-DP rank."""
        g, num = self.groups, self.num
        seconds, moe_tokens = self._to_expert_layout(tokens)
        if self.sigmoid_router:
            seconds += sigmoid_router(self, tokens, moe_tokens)
        else:
            seconds += router(self, moe_tokens)
        if self.shared:
            seconds += self._shared_experts(tokens, moe_tokens)
        slots = moe_tokens * self.top_k
        per_expert, remainder = divmod(slots, self.experts)
        high = num.minimum(remainder, g.local_experts)
        low = num.where(per_expert > 0, g.local_experts - high, 0)
        local_slots = g.local_experts * per_expert + high
        received = g.ep * local_slots
        idle = g.local_experts - high - low
        seconds += self._dispatch_and_combine(moe_tokens, slots, local_slots, received, idle)
        rows_high, rows_low = g.ep * (per_expert + 1), g.ep * per_expert

        cost = self._expert_cost

        def one_by_one():
            return num.times(high, cost, rows_high) + num.times(low, cost, rows_low)

        if not (self.compile and not g.gather_slice):
            return seconds + one_by_one()
        # torch.compile fuses the experts into grouped matmuls (and one all-reduce) only when
        # no expert pads its rows, so whether it does depends on the shape.
        unpadded = ((high == 0) | (rows_high % g.pad_multiple == 0)) & (
            (low == 0) | (rows_low % g.pad_multiple == 0)
        )
        return seconds + num.choose(
            unpadded, lambda: grouped_experts(self, received, high + low), one_by_one
        )

    def _to_expert_layout(self, tokens):
        """Seconds to move the rank's tokens into the expert layout, and the tokens there."""
        g, ops, h = self.groups, self.ops, self.hidden
        if g.ep > 1 and g.dp_transform:
            padded = -(-tokens // g.tp) * g.tp
            seconds = ops.memory(self.num.where(padded > tokens, (tokens + padded) * BF16 * h, 0))
            moe_tokens = padded // g.tp
            return seconds + ops.all_gather(self.tp_link, moe_tokens * BF16 * h), moe_tokens
        if g.ep == 1 and g.dp_transform:
            return ops.all_gather(self.dp_link, tokens * BF16 * h), tokens * g.dp
        return 0.0, tokens

    def _shared_experts(self, tokens, moe_tokens):
        """The always-active shared expert beside the routed ones, then the add of both.

        By default it runs whole on the rows the rank routes; with shared-expert TP it runs on
        the rank's tokens with 1/TP of the intermediate width and one more all-reduce."""
        ops, h, g = self.ops, self.hidden, self.groups
        width = self.shared // g.tp if self.shared_tp else self.shared
        rows = tokens if self.shared_tp else moe_tokens
        linears = self.shared_ops
        up = (
            linears.linear(rows, h, 2 * width)
            if self.compile
            else 2 * linears.linear(rows, h, width)
        )
        seconds = up + (activation(self, rows, width) + linears.linear(rows, width, h))
        if self.shared_tp:
            seconds += ops.all_reduce(self.tp_link, rows * BF16 * h)
        return seconds + ops.memory(3 * rows * BF16 * h, rows * h, ops.gp_activation)

    def _dispatch_and_combine(self, tokens, slots, local_slots, received, idle):
        """Routing init, the two all-to-alls, the regrouping copies and the weighted sum.

        Compiled, the copy that regroups dispatched rows by expert folds away unless EP > 1
        leaves some local expert without rows (seen in msmodeling's traces, not derived).
        """
        ops, g, h = self.ops, self.groups, self.hidden
        row = BF16 * h
        index_bytes = tokens * self.top_k * FP32
        seconds = ops.memory(tokens * row + index_bytes + slots * row)
        exchanged = self.num.maximum(slots - local_slots, received - local_slots) * row
        seconds += 2 * ops.all_to_all(self.ep_link, exchanged, received * row)
        regroup = ops.memory(2 * received * row)
        if self.compile:
            regroup = self.num.where((idle > 0) & (g.ep > 1), regroup, 0.0)
        seconds += regroup + ops.memory(2 * received * row)
        seconds += ops.memory(2 * slots * row + index_bytes)
        seconds += ops.memory(2 * slots * row + slots * BF16, slots * h)
        seconds += ops.memory(slots * row + tokens * row, slots * h)
        return seconds
