"""PD-ratio mode's request checks, as msmodeling's CLI makes them (8fdc7b2,
``cli/inference/throughput_optimizer.py``, ``main``), each naming the knob to blame."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.errors import DeploymentError

if TYPE_CHECKING:
    from harness.request.request import OptimizerRequest

DEVICE_KNOBS = ("prefill_devices", "decode_devices")


def pd_ratio_checks(request: OptimizerRequest) -> None:
    """The mode with --disagg, the mode without both device counts, and a device count without
    the mode are msmodeling's refusals. Without a TTFT limit msmodeling runs its prefill phase
    as a decode search (its disagg optimizer tells the phases apart by the TTFT limit) and
    finds no prefill rows, so it ends with no pairing: that is refused here, with the reason."""
    given = [name for name in DEVICE_KNOBS if getattr(request, name) is not None]
    if not request.pd_ratio:
        if given:
            raise DeploymentError(
                given[0],
                "--prefill-devices-per-instance and --decode-devices-per-instance require "
                "--enable-optimize-prefill-decode-ratio (pd_ratio); this mode cannot be used "
                "together with --disagg",
            )
        return
    if request.disagg:
        raise DeploymentError(
            "disagg",
            "--enable-optimize-prefill-decode-ratio (pd_ratio) cannot be used together with "
            "--disagg",
        )
    missing = [name for name in DEVICE_KNOBS if name not in given]
    if missing:
        raise DeploymentError(
            missing[0],
            "both --prefill-devices-per-instance and --decode-devices-per-instance "
            "(prefill_devices, decode_devices) are required when PD-ratio mode is enabled",
        )
    if request.ttft_limit_ms is None:
        raise DeploymentError(
            "ttft_limit_ms",
            "PD-ratio mode needs a TTFT limit: without one msmodeling searches its prefill "
            "phase as decode and finds no prefill rows to pair",
        )
