"""The gate of an MoE layer: Qwen's softmax top-k, or DeepSeek's fp32 sigmoid (noaux_tc)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.dtypes import BF16, FP32, INT64

if TYPE_CHECKING:
    from simulator.forward.moe.layer import Layer


def router(layer: Layer, tokens):
    """The gate matmul (in the activations' dtype) and the top-k softmax around it (eager or
    compiled ops)."""
    ops, h, e, k = layer.ops, layer.hidden, layer.experts, layer.top_k
    seconds = ops.matmul(
        tokens, h, e, BF16 * h * e, act_bytes=BF16, quantized=False, rate=ops.activation_rate
    )
    logits = tokens * e
    picked = tokens * k
    # Eager: to fp32, softmax, topk. Compiled: amax, sub, exp, sum, div, convert, topk.
    elementwise = 5 if layer.compile else 1
    over_logits = (
        ops.memory(logits * (BF16 + FP32))
        + elementwise * ops.memory(logits * 2 * FP32, logits)
        + ops.memory(logits * FP32 + picked * (FP32 + INT64))
    )
    return seconds + over_logits + _normalize_picked(layer, tokens, picked)


def _normalize_picked(layer: Layer, tokens, picked):
    """Sum, divide and cast back the picked routing weights."""
    ops = layer.ops
    return (
        ops.memory(picked * FP32 + tokens * FP32, picked)
        + ops.memory(picked * 2 * FP32 + tokens * FP32, picked)
        + ops.memory(picked * (FP32 + BF16))
    )


def sigmoid_router(layer: Layer, tokens, moe_tokens):
    """DeepSeek's gate: an fp32 matmul over the rank's tokens before the TP split, the logits
    padded like the rows, then one fused top-k op. The gate casts its input and its 16-bit
    weight to fp32; compiled, the weight's cast is folded into a constant, eager it runs every
    forward (``_to_copy`` of the E x h weight in msmodeling's trace)."""
    ops, h, e, k, g = layer.ops, layer.hidden, layer.experts, layer.top_k, layer.groups
    seconds = ops.memory(tokens * h * (BF16 + FP32))
    if not layer.compile:
        seconds += ops.memory(h * e * (BF16 + FP32))
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
    if not layer.compile:
        seconds += _eager_group_top_k(layer, tokens)
    if g.ep > 1 and g.dp_transform:
        padded = -(-tokens // g.tp) * g.tp
        seconds += ops.memory(layer.num.where(padded > tokens, (tokens + padded) * FP32 * e, 0))
    picked = moe_tokens * k
    seconds += ops.memory(moe_tokens * FP32 * e + picked * 3 * FP32)
    return seconds + _normalize_picked(layer, moe_tokens, picked)


def _eager_group_top_k(layer: Layer, tokens):
    """Eager, noaux_tc's op chain runs unfused over the rank's tokens: sigmoid, bias, the best
    two scores per expert group, the top groups, the mask, the top-k over what is left, the
    gather of its weights, their normalization and scaling, 17 small ops (msmodeling's eager
    trace), each costed by the bytes msmodeling's default estimate moves: every input tensor
    read whole, every output written."""
    ops, e, k = layer.ops, layer.experts, layer.top_k
    groups, top = layer.groups_of_experts, layer.top_groups
    logits = tokens * e * FP32
    seconds = 2 * ops.memory(2 * logits, tokens * e)  # sigmoid, + bias
    seconds += ops.memory(2 * logits)  # clone into groups
    seconds += ops.memory(logits + tokens * groups * 2 * (FP32 + INT64))  # top-2 per group
    seconds += ops.memory(tokens * groups * 3 * FP32)  # group scores
    seconds += ops.memory(tokens * groups * FP32 + tokens * top * (FP32 + INT64))
    seconds += ops.memory(2 * tokens * groups * FP32)  # zeros_like (reads its input too)
    seconds += ops.memory(tokens * top * INT64 + 2 * tokens * groups * FP32)  # scatter_ in place
    seconds += ops.memory(2 * tokens * e)  # bitwise_not of the expanded mask
    seconds += ops.memory(2 * logits + tokens * e)  # masked_fill
    seconds += ops.memory(logits + tokens * k * (FP32 + INT64))  # top-k
    seconds += ops.memory(logits + tokens * k * (INT64 + FP32))  # gather reads all the scores
    seconds += ops.memory(tokens * e * (1 + FP32))  # the mask cast
    picked = tokens * k
    seconds += ops.memory(picked * FP32 + tokens * FP32, picked)  # sum
    seconds += ops.memory(2 * tokens * FP32, tokens)  # + 1e-20
    seconds += ops.memory(picked * 2 * FP32 + tokens * FP32, picked)  # divide
    return seconds + ops.memory(2 * picked * FP32, picked)  # routed scaling
