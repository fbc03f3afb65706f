"""The interconnect grids of msmodeling's device profiles (``tensor_cast/device.py``, serving
model §4): a row-major shape of device coordinates, and a topology per grid dimension that covers
the grid from its ``start_dim`` inward."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

GIGA = 1e9


class TopologyKind(str, Enum):
    CLOS = "CLOS"
    FULL_MESH = "FULL_MESH"


@dataclass(frozen=True)
class Topology:
    start_dim: int
    bandwidth_bytes_ps: float
    latency_s: float
    efficiency: float
    kind: TopologyKind = TopologyKind.CLOS


@dataclass(frozen=True)
class CommGrid:
    name: str
    shape: tuple[int, ...]
    topologies: tuple[Topology, ...]

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def link_for_group(self, group_size: int, stride: int = 1) -> tuple[float, float]:
        """Effective (bandwidth bytes/s, latency s) for a group of ranks 0, stride, 2*stride, ...

        The topology is the one with the largest start_dim at or above the outermost grid
        dimension in which the members' coordinates differ; FULL_MESH bandwidth scales with the
        share of the mesh the group uses.
        """
        ranks = [i * stride for i in range(group_size)]
        coords = [_coords(rank, self.shape) for rank in ranks]
        differing = [d for d in range(len(self.shape)) if len({c[d] for c in coords}) > 1]
        outermost = min(differing) if differing else len(self.shape) - 1
        topology = max(
            (t for t in self.topologies if t.start_dim <= outermost), key=lambda t: t.start_dim
        )
        bandwidth = topology.bandwidth_bytes_ps * topology.efficiency
        if topology.kind is TopologyKind.FULL_MESH:
            mesh = math.prod(self.shape[topology.start_dim :])
            bandwidth *= (group_size - 1) / (mesh - 1)
        return bandwidth, topology.latency_s


def _coords(rank: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    out = []
    for extent in reversed(shape):
        out.append(rank % extent)
        rank //= extent
    return tuple(reversed(out))


TEST_GRID = CommGrid(
    "TEST",
    (256, 8),
    (
        Topology(0, 50 * GIGA, 10e-6, 0.7),
        Topology(1, 196 * GIGA, 1.3e-6, 0.7, TopologyKind.FULL_MESH),
    ),
)
A2_GRID = CommGrid(
    "A2",
    (128, 8),
    (
        Topology(0, 25 * GIGA, 1.5e-6, 0.7),
        Topology(1, 196 * GIGA, 0.5e-6, 0.7, TopologyKind.FULL_MESH),
    ),
)
A2_PCIE_GRID = CommGrid("A2_PCIE", (8,), (Topology(0, 64 * GIGA, 0.2e-6, 0.7),))
A3_GRID = CommGrid(
    "A3",
    (48, 8, 2),
    (
        Topology(0, 196 * GIGA, 5.5e-6, 0.7),
        Topology(1, 196 * GIGA, 0.5e-6, 0.7),
        Topology(2, 224 * GIGA, 0.2e-6, 0.7),
    ),
)
A3_ROCE_GRID = CommGrid(
    "A3_ROCE",
    (2, 8, 2),
    (
        Topology(0, 196 / 8 * GIGA, 5.5e-6, 0.7),
        Topology(1, 196 * GIGA, 0.5e-6, 0.7),
        Topology(2, 224 * GIGA, 0.2e-6, 0.7),
    ),
)
A5_GRID = CommGrid(
    "A5_PCIE2_UB4",
    (2, 2, 4),
    (
        Topology(0, 24 * GIGA, 4.5e-6, 0.525),
        Topology(1, 32 * GIGA, 3e-6, 0.56),
        Topology(2, 159 * GIGA, 1.5e-6, 0.85, TopologyKind.FULL_MESH),
    ),
)
