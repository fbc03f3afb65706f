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
    if request.pd_ratio:
        return [
            strategy
            for phase, field in ((door.Phase.PREFILL, "prefill_devices"),
                                 (door.Phase.DECODE, "decode_devices"))
            for strategy in _strategies(request, model, [phase], field)
        ]  # fmt: skip
    return _strategies(request, model, request.phases(), None)


def _strategies(request: OptimizerRequest, model, phases, devices_field: str | None):
    """The strategies of ``phases`` on the request's devices, or (PD-ratio mode) on the devices
    per instance ``devices_field`` names: msmodeling enumerates each phase's layouts on its
    own device count (``ParallelRunner._run_pd_phase``)."""
    devices = request.num_devices if devices_field is None else getattr(request, devices_field)
    tp_sizes = request.tp_sizes
    if tp_sizes is None and request.ep_sizes is None and request.moe_dp_sizes is None:
        tp_sizes = ()
    try:
        found = door.layouts(
            request.model, devices, tp_sizes, request.ep_sizes, request.moe_dp_sizes
        )
    except DeploymentError as error:
        if devices_field is None:
            raise
        raise DeploymentError(devices_field, f"{devices} devices: {error.message}") from None
    counted: list[list] = []
    for layout in found:
        if counted and counted[-1][0] == layout:
            counted[-1][1] += 1
        else:
            counted.append([layout, 1])
    dcps = door.dcp_sizes(request.dcp_sizes, devices)
    draft = door.draft_label(
        request.speculative_method, request.num_speculative_tokens, request.acceptance_length,
        request.draft_model_config_path, request.dspark_markov_rank,
    )  # fmt: skip
    out = [
        Strategy(
            layout,
            phase,
            model.is_moe,
            *phase_limits(phase, request.tpot_limit_ms, request.ttft_limit_ms),
            repeats=repeats,
            num_mtp_tokens=mtp,
            num_devices=None if devices_field is None else devices,
            dcp=dcp,
            draft_label=draft,
            device=device if request.compares_devices else None,
        )
        for device in request.device
        for layout, repeats in counted
        for mtp in dict.fromkeys(request.num_mtp_tokens)
        for phase in phases
        for dcp in _phase_dcps(model, layout.tp, phase, dcps)
    ]
    if not out:
        raise DeploymentError(
            "dcp_sizes",
            f"no valid parallel combination: DCP {dcps} must divide a TP size, and leave each "
            "GQA rank a KV head (num_key_value_heads >= TP / DCP)",
        )
    return out


def _phase_dcps(model, tp: int, phase, dcps: list[int]) -> list[int]:
    """msmodeling's DCP candidates of one layout: a prefill phase runs at 1
    (``parallel_runner._get_user_config(is_prefill=True)``); otherwise those that divide TP
    and, for GQA, leave each rank a KV head (the others fail msmodeling's model build)."""
    if phase is door.Phase.PREFILL:
        return [1]
    return [dcp for dcp in dcps if door.dcp_refusal(model, tp, dcp) is None]


def deployment_fields(
    request: OptimizerRequest, strategy: Strategy, max_batched_tokens: int | None
) -> dict[str, object]:
    """``Deployment.create``'s fields for one strategy at one token budget: the request's
    deployment knobs under their own names, the strategy's searched values, phase and limits."""
    fields = {k.name: getattr(request, k.name) for k in request.knobs() if k.per_probe}
    if strategy.num_devices is not None:
        fields["num_devices"] = strategy.num_devices
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
