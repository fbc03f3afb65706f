"""A request's strategies and the simulator deployments they make, with every refusal of the
simulator named by the request field to blame."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from harness.errors import DeploymentError
from harness.request.knobs import knobs_of
from harness.request.strategy import Phase, Strategy
from simulator import Deployment, SimulatorInputError, enumerate_parallel, get_device, load_model

if TYPE_CHECKING:
    from harness.request.request import OptimizerRequest

T = TypeVar("T")
_REQUEST_FIELD_OF = {
    "tp": "tp_sizes",
    "ep": "ep_sizes",
    "moe_dp": "moe_dp_sizes",
    "shared_expert_tp": "enable_shared_expert_tp",
}


def strategies(request: OptimizerRequest) -> list[Strategy]:
    """msmodeling's enumeration; a layout it searches several times (a dense model looped over
    EP sizes) is one strategy with ``repeats`` > 1. With no sizes at all, TP takes the powers of
    two up to N; with EP or MoE-DP sizes alone, TP stays at N (msmodeling's CLI rule)."""
    model = simulator_call(lambda: load_model(request.model))
    grid = simulator_call(lambda: get_device(request.device)).grid.size
    if not 1 <= request.num_devices <= grid:
        raise DeploymentError(
            "num_devices",
            f"{request.num_devices} is outside 1..{grid}, the device grid of {request.device}",
        )
    tp_sizes = request.tp_sizes
    if tp_sizes is None and request.ep_sizes is None and request.moe_dp_sizes is None:
        tp_sizes = ()
    layouts = simulator_call(
        lambda: enumerate_parallel(
            model, request.num_devices, tp_sizes, request.ep_sizes, request.moe_dp_sizes
        )
    )
    counted: list[list] = []
    for layout in layouts:
        if counted and counted[-1][0] == layout:
            counted[-1][1] += 1
        else:
            counted.append([layout, 1])
    return [
        Strategy(layout, phase, model.is_moe, repeats, mtp)
        for layout, repeats in counted
        for mtp in dict.fromkeys(request.num_mtp_tokens)
        for phase in request.phases()
    ]


def deployment(
    request: OptimizerRequest, strategy: Strategy, max_batched_tokens: int | None
) -> Deployment:
    layout = strategy.parallel
    return deployment_at(
        request,
        tp=layout.tp,
        ep=layout.ep if strategy.moe else None,
        moe_dp=layout.moe_dp,
        phase=strategy.phase,
        max_batched_tokens=max_batched_tokens,
        mtp=strategy.mtp,
    )


def deployment_at(
    request: OptimizerRequest,
    *,
    tp: int,
    ep: int | None,
    moe_dp: int,
    phase: Phase,
    max_batched_tokens: int | None,
    mtp: int = 0,
) -> Deployment:
    passed = {
        k.knob.simulator: getattr(request, k.name)
        for k in knobs_of(type(request))
        if k.knob.simulator is not None
    }
    return simulator_call(
        lambda: Deployment.create(
            **passed,
            tp=tp,
            ep=ep,
            moe_dp=moe_dp,
            max_batched_tokens=max_batched_tokens,
            num_mtp_tokens=mtp,
            mode=phase.mode,
            tpot_limit_ms=phase.tpot_limit_ms,
            ttft_limit_ms=phase.ttft_limit_ms,
        )
    )


def simulator_call(make: Callable[[], T]) -> T:
    """Run a simulator call, naming the request field in any refusal."""
    try:
        return make()
    except SimulatorInputError as error:
        field = _REQUEST_FIELD_OF.get(error.field, error.field)
        raise DeploymentError(field, str(error).split(": ", 1)[1]) from None
