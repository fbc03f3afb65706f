"""Elementwise op costs in seconds for one device, over numbers or arrays of them (``num``).

Each op costs ``max(compute, memory) + fixed`` when it has work and nothing when it is empty.
"""

from __future__ import annotations

from simulator.deployment import Deployment
from simulator.dtypes import ACTIVATION_DTYPE, BF16, FP32
from simulator.forward.comm import Collective, Link, all_gather, all_reduce, all_to_all
from simulator.linears import LinearQuantization
from simulator.numbers import Numbers


class OpCosts:
    def __init__(
        self, dep: Deployment, num: Numbers, quant: LinearQuantization | None = None
    ) -> None:
        """``quant``: the linears' quantization, the routed experts' unless given."""
        device = dep.device
        self.num = num
        self.bandwidth = device.effective_memory_bandwidth
        self.mma_cost = device.mma_op_cost_s
        self.gp_cost = device.gp_op_cost_s
        self.comm_cost = device.comm_op_cost_s
        self.quant = quant or dep.linears.expert
        self.scheme = self.quant.scheme
        self.quantized = self.quant.is_quantized
        self.mma_rate = device.mma_rate(self.scheme.mma_dtype)
        self.activation_rate = device.mma_rate(ACTIVATION_DTYPE)
        self.fp32_rate = device.mma_rate("fp32")
        self.gp_fp32 = device.gp_rate("fp32")
        self.gp_activation = device.gp_rate(ACTIVATION_DTYPE)

    def memory(self, nbytes, gp_flops=None, gp_rate=None):
        """A general-purpose op: memory-bound unless its vector work is larger."""
        num = self.num
        seconds = nbytes / self.bandwidth
        if gp_flops is not None:
            seconds = num.maximum(seconds, gp_flops / (gp_rate or self.gp_fp32))
        return num.where(seconds > 0, seconds + self.gp_cost, 0.0)

    def matmul(self, rows, k: int, n: int, weight_bytes, *, act_bytes, quantized: bool, rate,
               out_width: int | None = None):  # fmt: skip
        """A matmul of ``rows x k`` by ``k x n`` that reads ``weight_bytes`` of weights. A
        device without MMA units for its dtype (fp8 on A2) is charged memory and a vector op's
        fixed cost, as msmodeling's ``_estimate_static_cost`` does."""
        per_row = act_bytes * k + (FP32 if quantized else 0) + BF16 * (out_width or n)
        memory = (rows * per_row + weight_bytes) / self.bandwidth
        if rate is None:
            return self.num.where(rows > 0, memory + self.gp_cost, 0.0)
        compute = 2.0 * rows * k * n / rate
        return self.num.where(rows > 0, self.num.maximum(compute, memory) + self.mma_cost, 0.0)

    def linear(self, rows, k: int, n: int, experts=1):
        """An expert linear with msmodeling's activation quantize op in front (eager)."""
        return self.quantize(rows, k) + self.expert_gemm(rows, k, n, experts)

    def expert_gemm(self, rows, k: int, n: int, experts=1, out_width: int | None = None):
        """A (quantized) expert GEMM reading the weights of ``experts`` experts."""
        scheme = self.scheme
        if self.quantized and scheme.block_scales:
            return self._mxfp4_gemm(rows, k, n, experts, out_width)
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
            seconds = self.num.where(rows > 0, seconds + dequant, 0.0)
        return seconds

    def _mxfp4_gemm(self, rows, k: int, n: int, experts, out_width: int | None):
        """msmodeling's ``mxfp4_linear``: 4-bit payloads and their block scales read, the MMA
        at the fp4 peak; a device without fp4 MMA units is charged memory and a vector op's
        fixed cost (``_estimate_static_cost``)."""
        q = self.quant
        weight = experts * (q.scheme.weight_bytes * k * n + q.weight_scale_bytes(k, n))
        per_row = q.scheme.activation_bytes * k + q.row_scale_bytes(k) + BF16 * (out_width or n)
        seconds = (rows * per_row + weight) / self.bandwidth
        if self.mma_rate is not None:
            seconds = self.num.maximum(2.0 * rows * k * n / self.mma_rate, seconds)
        fixed = self.mma_cost if self.mma_rate is not None else self.gp_cost
        return self.num.where(rows > 0, seconds + fixed, 0.0)

    def quantize(self, rows, width: int):
        if not (self.quantized and self.scheme.quantizes_activations):
            return 0.0
        if self.scheme.block_scales:
            # dynamic_quantize_mxfp4: 2 vector ops per element and one per block scale.
            q = self.quant
            row = BF16 * width + q.scheme.activation_bytes * width + q.row_scale_bytes(width)
            gp = 2.0 * width + q.groups(width)
            return self.memory(rows * row, rows * gp, self.gp_activation)
        return self.memory(rows * (BF16 * width + width + FP32))

    def collective(self, link: Link | None, collective: Collective, message):
        """A collective over ``link`` (none: a group of one), free when ``message`` is empty."""
        if link is None:
            return 0.0
        return collective.seconds(self.num, self.bandwidth, self.comm_cost, message > 0)

    def all_gather(self, link: Link | None, message_per_rank):
        if link is None:
            return 0.0
        return self.collective(link, all_gather(link, message_per_rank), message_per_rank)

    def all_reduce(self, link: Link | None, message):
        if link is None:
            return 0.0
        return self.collective(link, all_reduce(link, message), message)

    def all_to_all(self, link: Link | None, exchanged, local_bytes):
        if link is None:
            return 0.0
        return self.collective(link, all_to_all(link, exchanged, local_bytes), exchanged)
