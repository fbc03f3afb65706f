"""Ascend device profiles, under msmodeling's names and with its numbers (``tensor_cast/device.py``,
serving model §4). Peaks are FLOP/s per dtype; memory is GiB; bandwidths are bytes/s."""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.errors import SimulatorInputError
from simulator.interconnect import (
    A2_GRID,
    A2_PCIE_GRID,
    A3_GRID,
    A3_ROCE_GRID,
    A5_GRID,
    TEST_GRID,
    CommGrid,
)

TERA = 1e12
GIB = 2**30
TIB = 2**40


@dataclass(frozen=True, kw_only=True)
class DeviceProfile:
    name: str
    mma_peaks: dict[str, float] = field(hash=False)
    """Cube-unit peaks per dtype."""
    gp_peaks: dict[str, float] = field(hash=False)
    """Vector-unit peaks per dtype."""
    compute_efficiency: float
    memory_gib: float
    hbm_bandwidth_bytes_ps: float
    memory_efficiency: float
    mma_op_cost_s: float
    """Fixed cost of launching one cube op."""
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


# msmodeling's shared peaks: the A2 376T die (also the A3 752T die), 313T, 280T (A3 560T), A5.
_A2_376_MMA = _peaks(fp32=99.5, bf16=353.9, fp16=376, int8=752)
_A2_376_GP = _peaks(fp32=11, bf16=22, fp16=22)  # fp32 written 22/2 in msmodeling
_A2_313_MMA = _peaks(fp32=83, bf16=294.9, fp16=313, int8=626)
_A2_313_GP = _peaks(fp32=9, bf16=18, fp16=18)
_A2_280_MMA = _peaks(fp32=75, bf16=245.8, fp16=280, int8=560)
_A2_280_GP = _peaks(fp32=8, bf16=16, fp16=16)
_A5_MMA = _peaks(fp32=189, bf16=378, fp16=378, fp8=756, int8=756, fp4=1512)
_A5_GP = _peaks(fp32=24, bf16=47, fp16=47)
_HBM_1_6 = 1.6 * TIB
_HBM_1_4 = 1.4 * TIB


def _ascend(
    name: str, mma, gp, grid: CommGrid, memory_gib: float = 64, hbm: float = _HBM_1_6, **more
) -> DeviceProfile:
    """An A2/A3 profile: msmodeling's 0.7 compute and 0.6 memory efficiency, and 5, 2 and
    10 us fixed costs per cube, vector and communication op (``more`` changes any field)."""
    fields = dict(compute_efficiency=0.7, memory_efficiency=0.6, comm_op_cost_s=10e-6)
    return DeviceProfile(
        name=name,
        mma_peaks=mma,
        gp_peaks=gp,
        memory_gib=memory_gib,
        hbm_bandwidth_bytes_ps=hbm,
        mma_op_cost_s=5e-6,
        gp_op_cost_s=2e-6,
        grid=grid,
        **{**fields, **more},
    )


def _a5(name: str, memory_gib: float) -> DeviceProfile:
    """An Atlas 350 (A5) profile: msmodeling's 0.9 compute and 0.8 memory efficiency, 1.4 TiB/s
    HBM, and a 5 us fixed cost per communication op."""
    return _ascend(
        name, _A5_MMA, _A5_GP, A5_GRID, memory_gib, _HBM_1_4,
        compute_efficiency=0.9, memory_efficiency=0.8, comm_op_cost_s=5e-6,
    )  # fmt: skip


TEST_DEVICE = DeviceProfile(
    # msmodeling's CLI default: A2-like cube peaks, half the vector peaks, free communication ops.
    name="TEST_DEVICE",
    mma_peaks=_peaks(fp32=99.5, bf16=353.9, fp16=353.9, int8=707.8, fp8=707.8, fp4=1415.6),
    gp_peaks=_peaks(fp32=5.5, bf16=11, fp16=11),
    compute_efficiency=0.7,
    memory_gib=64,
    hbm_bandwidth_bytes_ps=_HBM_1_6,
    memory_efficiency=0.6,
    mma_op_cost_s=5e-6,
    gp_op_cost_s=2e-6,
    comm_op_cost_s=0.0,
    grid=TEST_GRID,
)

DEVICES: dict[str, DeviceProfile] = {
    device.name: device
    for device in (
        TEST_DEVICE,
        _ascend("ATLAS_800_A2_376T_64G", _A2_376_MMA, _A2_376_GP, A2_GRID),
        _ascend("ATLAS_800_A2_313T_64G", _A2_313_MMA, _A2_313_GP, A2_GRID),
        _ascend("ATLAS_800_A2_280T_64G", _A2_280_MMA, _A2_280_GP, A2_GRID),
        _ascend("ATLAS_800_A2_280T_64G_PCIE", _A2_280_MMA, _A2_280_GP, A2_PCIE_GRID),
        _ascend("ATLAS_800_A2_280T_32G_PCIE", _A2_280_MMA, _A2_280_GP, A2_PCIE_GRID, 32, 0.8 * TIB),
        # An A3 die is an A2 376T (or 280T) die on the A3 supernode grid; 64 GiB per die.
        _ascend("ATLAS_800_A3_752T_128G_DIE", _A2_376_MMA, _A2_376_GP, A3_GRID),
        _ascend("ATLAS_800_A3_560T_128G_DIE", _A2_280_MMA, _A2_280_GP, A3_GRID),
        _ascend("ATLAS_800_A3_560T_128G_DIE_ROCE", _A2_280_MMA, _A2_280_GP, A3_ROCE_GRID),
        _a5("ATLAS_350_425T_112G", 112),
        _a5("ATLAS_350_425T_84G", 84),
    )
}


def get_device(name: str) -> DeviceProfile:
    try:
        return DEVICES[name]
    except KeyError:
        raise SimulatorInputError("device", f"unknown device {name!r}", DEVICES) from None
