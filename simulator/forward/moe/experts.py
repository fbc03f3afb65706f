"""The routed experts of an MoE layer: each active expert's op chain, or compiled grouped GEMMs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.dtypes import BF16
from simulator.forward.comm import Link

if TYPE_CHECKING:
    from simulator.forward.moe.layer import Layer

SWIGLU_GP_PER_ELEMENT = 7.0  # msmodeling's swiglu epilogue: 7 general-purpose ops per output
SILU_GP_PER_ELEMENT = 6.0


def expert(layer: Layer, rows):
    """One active expert receiving ``rows`` rows (zero rows cost nothing)."""
    g, ops, h, shard = layer.groups, layer.ops, layer.hidden, layer.shard
    padded = -(-rows // g.pad_multiple) * g.pad_multiple
    seconds = ops.memory(layer.num.where(padded > rows, (rows + padded) * BF16 * h, 0))
    if not layer.compile:
        seconds += ops.memory(2 * rows * BF16 * h)
    if g.gather_slice:
        return _gathered_expert(layer, padded, seconds)
    if layer.compile:
        seconds += ops.linear(padded, h, 2 * shard)
    else:
        seconds += 2 * ops.linear(padded, h, shard)
    seconds += activation(layer, padded, shard)
    seconds += ops.linear(padded, shard, h)
    return seconds + ops.all_reduce(layer.moe_tp_link, padded * BF16 * h)


def _gathered_expert(layer: Layer, padded, seconds):
    """``seconds`` plus an expert whose linears gather their rows over the expert-TP group
    (MoE-TP != TP), added in msmodeling's op order."""
    g, ops, h, inter, shard = layer.groups, layer.ops, layer.hidden, layer.intermediate, layer.shard
    gemm_rows = padded * g.moe_tp // g.tp
    local_rows = padded // g.tp
    up_projections = 1 if layer.compile else 2
    for _ in range(up_projections):
        seconds += _gather_rows(layer, layer.moe_tp_link, local_rows, h)
        seconds += ops.linear(gemm_rows, h, shard * 2 // up_projections)
    seconds += 2 * _gather_rows(layer, layer.moe_tp_link, gemm_rows, shard)
    seconds += 2 * _gather_rows(layer, layer.tp_link, local_rows, inter)
    seconds += activation(layer, padded, inter)
    seconds += _gather_rows(layer, layer.moe_tp_link, local_rows, inter)
    k_slice = gemm_rows * shard * BF16
    if not layer.compile:
        seconds += ops.memory(k_slice)
    seconds += ops.memory(2 * k_slice)
    seconds += ops.linear(gemm_rows, shard, h)
    seconds += ops.all_reduce(layer.moe_tp_link, gemm_rows * BF16 * h)
    return seconds + _gather_rows(layer, layer.tp_link, local_rows, h)


def _gather_rows(layer: Layer, link: Link | None, rows, width: int):
    return layer.ops.all_gather(link, rows * BF16 * width)


def activation(layer: Layer, rows, width: int):
    """silu(gate) * up: two ops eager, one fused swiglu compiled."""
    ops, n = layer.ops, rows * width
    if layer.compile:
        return ops.memory(3 * n * BF16, SWIGLU_GP_PER_ELEMENT * n)
    return ops.memory(2 * n * BF16, SILU_GP_PER_ELEMENT * n) + ops.memory(
        3 * n * BF16, n, ops.gp_activation
    )


def grouped_experts(layer: Layer, rows, active):
    """Compiled, fused experts: one quantize and one grouped GEMM per projection."""
    ops, h, shard = layer.ops, layer.hidden, layer.shard
    seconds = ops.quantize(rows, h)
    seconds += ops.expert_gemm(rows, h, 2 * shard, active, out_width=shard)
    seconds += ops.quantize(rows, shard) + ops.expert_gemm(rows, shard, h, active)
    return seconds + ops.all_reduce(layer.moe_tp_link, rows * BF16 * h)
