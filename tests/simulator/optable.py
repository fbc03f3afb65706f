"""A forward's op table as msmodeling prints one (``table_averages``): per op name, the total
milliseconds and the number of calls, for the affine ops (an MoE block is costed apart)."""

from __future__ import annotations

from simulator import Deployment
from simulator.forward.features import Features
from simulator.forward.roofline import Roofline
from simulator.numbers import SCALAR


def op_table(dep: Deployment, rank_batch: int, query_len: int, seq_len: int) -> dict:
    """{op name: (total ms, calls)} of one forward; ops that cost nothing are left out."""
    features = Features.of(float(rank_batch), query_len, seq_len, SCALAR, dep.dcp)
    values = {"one": 1.0, **features._asdict()}
    device = dep.device
    fixed = {"mma": device.mma_op_cost_s, "gp": device.gp_op_cost_s, "comm": device.comm_op_cost_s}
    bandwidth = device.effective_memory_bandwidth
    table: dict[str, tuple[float, int]] = {}
    for op in Roofline(dep).ops:
        memory = _at(op.memory_bytes, values) / bandwidth
        if op.collective is not None:
            first, second = _at(op.collective.first, values), _at(op.collective.second, values)
            seconds = max(min(first, second), memory)
        else:
            seconds = max(_at(op.compute_s, values), memory)
        if seconds <= 0 or not values[op.runs_when]:
            continue
        seconds += fixed[op.static] * op.launches
        ms, calls = table.get(op.name, (0.0, 0))
        table[op.name] = (ms + op.count * seconds * 1e3, calls + op.count)
    return table


def _at(affine, values: dict) -> float:
    return sum(values[name] * coefficient for name, coefficient in affine.items())
