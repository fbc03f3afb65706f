"""Parallel strategies: validation of TP/EP against devices and model, and their enumeration."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from simulator.errors import SimulatorInputError
from simulator.models import ModelConfig


@dataclass(frozen=True)
class ParallelConfig:
    tp: int
    dp: int
    ep: int = 1

    @property
    def moe_tp(self) -> int:
        return self.tp * self.dp // self.ep

    def label(self, moe: bool) -> str:
        if moe:
            return f"TP={self.tp} | EP={self.ep} | DP={self.dp}"
        return f"TP={self.tp} | PP=1 | DP={self.dp}"


def make_parallel(model: ModelConfig, num_devices: int, tp: int, ep: int | None) -> ParallelConfig:
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
        return ParallelConfig(tp=tp, dp=num_devices // tp, ep=1)
    ep = num_devices if ep is None else ep
    if ep < 1 or num_devices % ep:
        raise SimulatorInputError(
            "ep", f"EP={ep} does not divide num_devices={num_devices}", divisors(num_devices)
        )
    if model.num_experts % ep:
        raise SimulatorInputError(
            "ep",
            f"EP={ep} does not divide the {model.num_experts} experts of {model.name}",
            [d for d in divisors(num_devices) if model.num_experts % d == 0],
        )
    return ParallelConfig(tp=tp, dp=num_devices // tp, ep=ep)


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


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
) -> list[ParallelConfig]:
    """Every valid TP (x EP for MoE) combination, TP-major, as msmodeling loops them.

    Explicit sizes that do not fit are errors; default sizes that do not fit the model (heads or
    experts) are skipped.
    """
    explicit_tp = bool(tp_sizes)
    tps = resolve_sizes(tp_sizes, num_devices, num_devices)
    eps = resolve_sizes(ep_sizes, num_devices, num_devices) if model.is_moe else [None]
    for size in tps:
        if size > num_devices or num_devices % size:
            raise SimulatorInputError(
                "tp_sizes",
                f"TP={size} does not divide num_devices={num_devices}",
                divisors(num_devices),
            )
    configs = []
    for tp in tps:
        if model.num_heads % tp and not explicit_tp:
            continue
        for ep in eps:
            configs.append(make_parallel(model, num_devices, tp, ep))
    if not configs:
        raise SimulatorInputError("tp_sizes", "no parallel strategy fits", divisors(num_devices))
    return configs
