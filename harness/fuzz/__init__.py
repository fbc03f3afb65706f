"""The deployment space as the test suite: draw deployments, check every search, shrink failures
into scenario files."""

from harness.fuzz.check import Violation, violations
from harness.fuzz.run import PROFILES, FuzzReport, FuzzSettings, describe, fuzz

__all__ = ["PROFILES", "FuzzReport", "FuzzSettings", "Violation", "describe", "fuzz", "violations"]
