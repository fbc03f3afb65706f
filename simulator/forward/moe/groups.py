"""How one deployment's ranks split into the groups an MoE layer talks over."""

from __future__ import annotations

from dataclasses import dataclass

from simulator.deployment import Deployment


@dataclass(frozen=True)
class MoEGroups:
    """Attention TP and DP, EP, and MoE-TP (ranks sharing one expert's weights)."""

    tp: int
    dp: int
    ep: int
    moe_tp: int
    local_experts: int
    dp_transform: bool
    """Tokens change hands between the attention and expert layouts (a gather, or a TP split)."""
    gather_slice: bool
    """Every expert linear gathers its rows over the expert-TP group and scatters them back."""
    pad_multiple: int

    @classmethod
    def of(cls, dep: Deployment) -> MoEGroups:
        p = dep.parallel
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
            local_experts=-(-dep.model.num_experts // p.ep),
            dp_transform=dp_transform,
            gather_slice=p.ep > 1 and p.moe_tp > 1 and p.moe_tp != p.tp,
            pad_multiple=pad_multiple,
        )
