"""Parallel strategies: validation of TP/EP against devices and model, and their enumeration."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from simulator.errors import SimulatorInputError
from simulator.models import ModelConfig


@dataclass(frozen=True)
class ParallelConfig:
    """Attention TP x DP over the devices; for MoE, experts over EP x MoE-TP x MoE-DP."""

    tp: int
    dp: int
    ep: int = 1
    moe_dp: int = 1

    @property
    def num_devices(self) -> int:
        return self.tp * self.dp

    @property
    def moe_tp(self) -> int:
        """Ranks that split one expert's weights: N / (EP x MoE-DP), msmodeling's default."""
        return self.num_devices // (self.ep * self.moe_dp)

    def label(self, moe: bool) -> str:
        """msmodeling's label, e.g. ``TP=1 | PP=1 | DP=8 | EP=2 | MoE-TP=4 | MoE-DP=1``."""
        label = f"TP={self.tp} | PP=1 | DP={self.dp}"
        if moe:
            label += f" | EP={self.ep} | MoE-TP={self.moe_tp} | MoE-DP={self.moe_dp}"
        return label


def make_parallel(
    model: ModelConfig, num_devices: int, tp: int, ep: int | None, moe_dp: int = 1
) -> ParallelConfig:
    if tp < 1 or num_devices % tp:
        raise SimulatorInputError(
            "tp", f"TP={tp} does not divide num_devices={num_devices}", divisors(num_devices)
        )
    if model.num_heads % tp:
        raise SimulatorInputError(
            "tp",
            f"TP={tp} does not divide the {model.num_heads} query heads of {model.name}",
            [d for d in divisors(num_devices) if model.num_heads % d == 0],
        )
    if not model.is_moe:
        if ep not in (None, 1):
            raise SimulatorInputError("ep", f"{model.name} is dense; EP must be 1", [1])
        if moe_dp != 1:
            raise SimulatorInputError("moe_dp", f"{model.name} is dense; MoE-DP must be 1", [1])
        return ParallelConfig(tp=tp, dp=num_devices // tp, ep=1)
    ep = num_devices if ep is None else ep
    if ep < 1 or num_devices % ep:
        raise SimulatorInputError(
            "ep", f"EP={ep} does not divide num_devices={num_devices}", divisors(num_devices)
        )
    if ep > model.num_experts:
        raise SimulatorInputError(
            "ep",
            f"EP={ep} exceeds the {model.num_experts} experts of {model.name}",
            [d for d in divisors(num_devices) if d <= model.num_experts],
        )
    if moe_dp < 1 or num_devices % (ep * moe_dp):
        raise SimulatorInputError(
            "moe_dp",
            f"EP={ep} x MoE-DP={moe_dp} does not divide num_devices={num_devices}",
            [d for d in divisors(num_devices // ep)],
        )
    return ParallelConfig(tp=tp, dp=num_devices // tp, ep=ep, moe_dp=moe_dp)


def divisors(n: int) -> list[int]:
    """The divisors of n in ascending order, in O(sqrt n)."""
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return small + [n // d for d in reversed(small) if d * d != n]


def powers_of_two_up_to(n: int) -> list[int]:
    return [1 << i for i in range(n.bit_length())]


def resolve_sizes(values: Sequence[int] | None, num_devices: int, default: int) -> list[int]:
    """msmodeling's rule: None → [default]; [] → powers of two ≤ N; a list → de-duplicated."""
    if values is None:
        return [default]
    if not values:
        return powers_of_two_up_to(num_devices)
    return list(dict.fromkeys(values))


def enumerate_parallel(
    model: ModelConfig,
    num_devices: int,
    tp_sizes: Sequence[int] | None = (),
    ep_sizes: Sequence[int] | None = None,
    moe_dp_sizes: Sequence[int] | None = None,
) -> list[ParallelConfig]:
    """Every parallel combination msmodeling's loop runs (``parallel_runner``), in its order.

    TP, then EP, then MoE-DP over the resolved candidates, skipping sizes that do not divide the
    devices (N % TP, N % EP, N % (EP x MoE-DP)); sizes above N are errors, and so is a search
    space with no combination left. Default TP sizes that do not divide the model's heads are
    skipped. A dense model still loops over EP and MoE-DP, so msmodeling searches each of its
    layouts once per pair; the repeats come back as equal, consecutive configs.
    """
    for name, values in (
        ("tp_sizes", tp_sizes),
        ("ep_sizes", ep_sizes),
        ("moe_dp_sizes", moe_dp_sizes),
    ):
        for value in values or ():
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not 1 <= value <= num_devices
            ):
                raise SimulatorInputError(
                    name,
                    f"{value!r} is not a size between 1 and num_devices={num_devices}",
                    [f"1..{num_devices}"],
                )
    explicit_tp = bool(tp_sizes)
    tps = resolve_sizes(tp_sizes, num_devices, num_devices)
    eps = resolve_sizes(ep_sizes, num_devices, num_devices)
    moe_dps = resolve_sizes(moe_dp_sizes, num_devices, 1)
    configs = []
    for tp in tps:
        if num_devices % tp or (model.num_heads % tp and not explicit_tp):
            continue
        for ep in eps:
            if num_devices % ep:
                continue
            for moe_dp in moe_dps:
                if num_devices % (ep * moe_dp):
                    continue
                if model.is_moe:
                    configs.append(make_parallel(model, num_devices, tp, ep, moe_dp))
                else:
                    configs.append(make_parallel(model, num_devices, tp, None))
    if not configs:
        sizes = f"TP {tps}" + (f", EP {eps}, MoE-DP {moe_dps}" if model.is_moe else "")
        raise SimulatorInputError(
            "tp_sizes",
            f"no valid parallel combination of {sizes}: TP, EP and EP x MoE-DP must divide "
            f"num_devices={num_devices}",
            divisors(num_devices),
        )
    return configs
