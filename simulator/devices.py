"""Ascend device profiles, under msmodeling's names (serving model §4).

Peaks are FLOP/s per dtype; memory is GiB; bandwidths are bytes/s. The communication grid is a
row-major shape of device coordinates; each topology covers the grid from its ``start_dim`` inward.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

from simulator.errors import SimulatorInputError

TERA = 1e12
GIGA = 1e9
GIB = 2**30
TIB = 2**40


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


@dataclass(frozen=True)
class DeviceProfile:
    name: str
    mma_peaks: dict[str, float] = field(hash=False)
    gp_peaks: dict[str, float] = field(hash=False)
    compute_efficiency: float
    memory_gib: float
    hbm_bandwidth_bytes_ps: float
    memory_efficiency: float
    mma_op_cost_s: float
    gp_op_cost_s: float
    comm_op_cost_s: float
    grid: CommGrid

    @property
    def memory_bytes(self) -> float:
        return self.memory_gib * GIB

    @property
    def effective_memory_bandwidth(self) -> float:
        return self.hbm_bandwidth_bytes_ps * self.memory_efficiency

    def mma_rate(self, dtype: str) -> float | None:
        """Effective MMA FLOP/s for dtype, or None where the device has no such unit."""
        peak = self.mma_peaks.get(dtype)
        return None if peak is None else peak * self.compute_efficiency

    def gp_rate(self, dtype: str) -> float | None:
        peak = self.gp_peaks.get(dtype)
        return None if peak is None else peak * self.compute_efficiency


def _peaks(**values: float) -> dict[str, float]:
    return {dtype: value * TERA for dtype, value in values.items()}


_TEST_GRID = CommGrid(
    "TEST",
    (256, 8),
    (
        Topology(0, 50 * GIGA, 10e-6, 0.7),
        Topology(1, 196 * GIGA, 1.3e-6, 0.7, TopologyKind.FULL_MESH),
    ),
)
_A2_GRID = CommGrid(
    "A2",
    (128, 8),
    (
        Topology(0, 25 * GIGA, 1.5e-6, 0.7),
        Topology(1, 196 * GIGA, 0.5e-6, 0.7, TopologyKind.FULL_MESH),
    ),
)
_A2_PCIE_GRID = CommGrid("A2_PCIE", (8,), (Topology(0, 64 * GIGA, 0.2e-6, 0.7),))
_A3_GRID = CommGrid(
    "A3",
    (48, 8, 2),
    (
        Topology(0, 196 * GIGA, 5.5e-6, 0.7),
        Topology(1, 196 * GIGA, 0.5e-6, 0.7),
        Topology(2, 224 * GIGA, 0.2e-6, 0.7),
    ),
)
_A3_ROCE_GRID = CommGrid(
    "A3_ROCE",
    (2, 8, 2),
    (
        Topology(0, 196 / 8 * GIGA, 5.5e-6, 0.7),
        Topology(1, 196 * GIGA, 0.5e-6, 0.7),
        Topology(2, 224 * GIGA, 0.2e-6, 0.7),
    ),
)
_A5_GRID = CommGrid(
    "A5_PCIE2_UB4",
    (2, 2, 4),
    (
        Topology(0, 24 * GIGA, 4.5e-6, 0.525),
        Topology(1, 32 * GIGA, 3e-6, 0.56),
        Topology(2, 159 * GIGA, 1.5e-6, 0.85, TopologyKind.FULL_MESH),
    ),
)

_A2_376_MMA = _peaks(fp32=99.5, bf16=353.9, fp16=376, int8=752)
_A2_376_GP = _peaks(fp32=11, bf16=22, fp16=22)
_A2_313_MMA = _peaks(fp32=83, bf16=294.9, fp16=313, int8=626)
_A2_313_GP = _peaks(fp32=9, bf16=18, fp16=18)
_A2_280_MMA = _peaks(fp32=75, bf16=245.8, fp16=280, int8=560)
_A2_280_GP = _peaks(fp32=8, bf16=16, fp16=16)
_A5_MMA = _peaks(fp32=189, bf16=378, fp16=378, fp8=756, int8=756, fp4=1512)
_A5_GP = _peaks(fp32=24, bf16=47, fp16=47)
_HBM_1_6 = 1.6 * TIB
_HBM_1_4 = 1.4 * TIB


def _ascend(name: str, mma, gp, memory_gib: float, hbm: float, grid: CommGrid) -> DeviceProfile:
    return DeviceProfile(name, mma, gp, 0.7, memory_gib, hbm, 0.6, 5e-6, 2e-6, 10e-6, grid)


def _a5(name: str, memory_gib: float) -> DeviceProfile:
    return DeviceProfile(
        name, _A5_MMA, _A5_GP, 0.9, memory_gib, _HBM_1_4, 0.8, 5e-6, 2e-6, 5e-6, _A5_GRID
    )


DEVICES: dict[str, DeviceProfile] = {
    device.name: device
    for device in (
        DeviceProfile(
            "TEST_DEVICE",
            _peaks(fp32=99.5, bf16=353.9, fp16=353.9, int8=707.8, fp8=707.8, fp4=1415.6),
            _peaks(fp32=5.5, bf16=11, fp16=11),
            0.7,
            64,
            _HBM_1_6,
            0.6,
            5e-6,
            2e-6,
            0.0,
            _TEST_GRID,
        ),
        _ascend("ATLAS_800_A2_376T_64G", _A2_376_MMA, _A2_376_GP, 64, _HBM_1_6, _A2_GRID),
        _ascend("ATLAS_800_A2_313T_64G", _A2_313_MMA, _A2_313_GP, 64, _HBM_1_6, _A2_GRID),
        _ascend("ATLAS_800_A2_280T_64G", _A2_280_MMA, _A2_280_GP, 64, _HBM_1_6, _A2_GRID),
        _ascend("ATLAS_800_A2_280T_64G_PCIE", _A2_280_MMA, _A2_280_GP, 64, _HBM_1_6, _A2_PCIE_GRID),
        _ascend(
            "ATLAS_800_A2_280T_32G_PCIE", _A2_280_MMA, _A2_280_GP, 32, 0.8 * TIB, _A2_PCIE_GRID
        ),
        _ascend("ATLAS_800_A3_752T_128G_DIE", _A2_376_MMA, _A2_376_GP, 64, _HBM_1_6, _A3_GRID),
        _ascend("ATLAS_800_A3_560T_128G_DIE", _A2_280_MMA, _A2_280_GP, 64, _HBM_1_6, _A3_GRID),
        _ascend(
            "ATLAS_800_A3_560T_128G_DIE_ROCE", _A2_280_MMA, _A2_280_GP, 64, _HBM_1_6, _A3_ROCE_GRID
        ),
        _a5("ATLAS_350_425T_112G", 112),
        _a5("ATLAS_350_425T_84G", 84),
    )
}


def get_device(name: str) -> DeviceProfile:
    try:
        return DEVICES[name]
    except KeyError:
        raise SimulatorInputError("device", f"unknown device {name!r}", DEVICES) from None
