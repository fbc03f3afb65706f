"""What msmodeling's optimizer would spend in wall seconds on a search: a time model of its
start-up, model builds, forwards, memoization and compiles, priced per model class.

The simulator says which forwards msmodeling runs for each probe (``forwards_of``); this
package prices them. A ``Meter`` follows one search on one strategy probe by probe, so a search
can ask what its next probe would cost before it makes it; ``whole_run_s`` adds the start-up
and schedules the strategies over msmodeling's worker processes.
"""

from harness.seconds.meter import Meter
from harness.seconds.prices import PRICES, ModelClass, Prices, model_class
from harness.seconds.settings import CALIBRATION, TimeSettings
from harness.seconds.whole_run import whole_run_s

__all__ = [
    "CALIBRATION",
    "PRICES",
    "Meter",
    "ModelClass",
    "Prices",
    "TimeSettings",
    "model_class",
    "whole_run_s",
]
