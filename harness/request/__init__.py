"""The request: what to serve and where, the strategies it spans, and the deployments it makes."""

from harness.request.kinds import Kind
from harness.request.knobs import Declared, Knob
from harness.request.request import (
    BASELINE_SEARCH,
    BUNDLED_MODEL_IDS,
    OptimizerRequest,
    SearchRun,
    request_knobs,
)
from harness.request.strategy import Strategy, phase_limits

__all__ = [
    "BASELINE_SEARCH",
    "BUNDLED_MODEL_IDS",
    "Declared",
    "Kind",
    "Knob",
    "OptimizerRequest",
    "SearchRun",
    "Strategy",
    "phase_limits",
    "request_knobs",
]
