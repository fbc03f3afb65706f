"""The request: what to serve and where, the strategies it spans, and the deployments it makes."""

from harness.request.knobs import Declared, Kind, Knob
from harness.request.layouts import deployment_at
from harness.request.request import (
    BUNDLED_MODEL_IDS,
    OptimizerRequest,
    SearchRun,
    limit,
    request_knobs,
)
from harness.request.strategy import Phase, Strategy, strategy_key

__all__ = [
    "BUNDLED_MODEL_IDS",
    "Declared",
    "Kind",
    "Knob",
    "OptimizerRequest",
    "Phase",
    "SearchRun",
    "Strategy",
    "deployment_at",
    "limit",
    "request_knobs",
    "strategy_key",
]
