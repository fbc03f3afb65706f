"""Hypothesis profiles: a fast default for development, a thorough deterministic one under CI."""

from __future__ import annotations

import os

import numpy  # noqa: F401
from hypothesis import HealthCheck, settings

# numpy loads lazily in searchbench, and pytester's in-process runs unload every module first
# imported inside them; numpy's C core cannot load twice in one process, so load it up front.

settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("ci", settings.get_profile("ci"), max_examples=250)
settings.register_profile("thorough", settings.get_profile("ci"), max_examples=3000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

pytest_plugins = ["pytester"]
