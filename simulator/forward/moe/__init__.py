"""One MoE layer as msmodeling costs it (see ``layer.py``)."""

from simulator.forward.moe.groups import MoEGroups
from simulator.forward.moe.layer import MoELayerCost

__all__ = ["MoEGroups", "MoELayerCost"]
