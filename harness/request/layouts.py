"""A request's strategies and the simulator deployments they make (each built once, at the
door), with every refusal of the simulator named by the request field to blame."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness import door
from harness.errors import DeploymentError
from harness.request.strategy import Strategy, phase_limits

if TYPE_CHECKING:
    from harness.request.request import OptimizerRequest


def strategies(request: OptimizerRequest) -> list[Strategy]:
    """msmodeling's enumeration, made once (layouts do not depend on the device) and repeated
    for each device profile in the order given, as run_multi_device_loop runs them
    (serving_cast/service/optimizer_curve_plots.py). A layout it searches several times (a
    dense model looped over EP sizes) is one strategy with ``repeats`` > 1. With no sizes at
    all, TP takes the powers of two up to N; with EP or MoE-DP sizes alone, TP stays at N
    (msmodeling's CLI rule)."""
    model = door.model(request.model)
    for name in request.device:  # every profile before any search, as check_device_targets
        grid = door.device_grid_size(name)
        if not 1 <= request.num_devices <= grid:
            raise DeploymentError(
                "num_devices",
                f"{request.num_devices} is outside 1..{grid}, the device grid of {name}",
            )
    tp_sizes = request.tp_sizes
    if tp_sizes is None and request.ep_sizes is None and request.moe_dp_sizes is None:
        tp_sizes = ()
    found = door.layouts(
        request.model, request.num_devices, tp_sizes, request.ep_sizes, request.moe_dp_sizes
    )
    counted: list[list] = []
    for layout in found:
        if counted and counted[-1][0] == layout:
            counted[-1][1] += 1
        else:
            counted.append([layout, 1])
    return [
        Strategy(
            layout,
            phase,
            model.is_moe,
            *phase_limits(phase, request.tpot_limit_ms, request.ttft_limit_ms),
            repeats=repeats,
            num_mtp_tokens=mtp,
            device=device if request.compares_devices else None,
        )
        for device in request.device
        for layout, repeats in counted
        for mtp in dict.fromkeys(request.num_mtp_tokens)
        for phase in request.phases()
    ]


def deployment_fields(
    request: OptimizerRequest, strategy: Strategy, max_batched_tokens: int | None
) -> dict[str, object]:
    """``Deployment.create``'s fields for one strategy at one token budget: the request's
    deployment knobs under their own names, the strategy's searched values, phase and limits."""
    fields = {k.name: getattr(request, k.name) for k in request.knobs() if k.per_probe}
    fields["device"] = request.device[0]  # a strategy of several profiles names its own below
    fields.update(
        strategy.searched,
        phase=strategy.phase,
        tpot_limit_ms=strategy.tpot_limit_ms,
        ttft_limit_ms=strategy.ttft_limit_ms,
        max_batched_tokens=max_batched_tokens,
    )
    return fields


def deployment(
    request: OptimizerRequest, strategy: Strategy, max_batched_tokens: int | None
) -> door.Deployment:
    """The simulator's deployment of one strategy at one token budget (built once)."""
    return door.deployment(**deployment_fields(request, strategy, max_batched_tokens))
