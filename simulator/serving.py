"""The simulator of one deployment: a probe at one batch size, or a sweep over many.

Both run the same phase code (``phases/``), in Python numbers or numpy arrays (``numbers.py``),
so a probe equals its row of a sweep bit for bit. ``batch_size`` is per DP replica.
"""

from __future__ import annotations

import numbers
from functools import lru_cache

from simulator.deployment import Deployment, Phase
from simulator.errors import SimulatorInputError
from simulator.forward.features import Features
from simulator.forward.roofline import forget_rooflines
from simulator.numbers import SCALAR, VECTOR
from simulator.phases.agg import AggPhase
from simulator.phases.chunked import ChunkedPhase
from simulator.phases.decode import DecodePhase, DecodeStep
from simulator.phases.forwards import Forwards, ForwardShape
from simulator.phases.mixed import MixedAggPhase, MixedPrefill, MixedPrefillPhase
from simulator.phases.prefill import PrefillPhase
from simulator.phases.prefill_chunks import ChunkedPrefillPhase
from simulator.phases.waves import Waves
from simulator.results import ProbeResult, SweepResult, finish


class Simulator:
    """The serving model of one deployment. Pure: the same batch always gives the same numbers."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self.forwards = Forwards(deployment)
        self.roofline = self.forwards.roofline
        self.weight_bytes = self.forwards.weight_bytes
        self._phase = _phase_of(deployment, self.forwards)

    def probe(self, batch_size: int) -> ProbeResult:
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
            raise SimulatorInputError("batch_size", f"must be an integer, got {batch_size!r}")
        if batch_size < 1:
            raise SimulatorInputError("batch_size", f"must be >= 1, got {batch_size}")
        evaluation = self._phase.evaluate(int(batch_size), SCALAR)
        return finish(evaluation, self.deployment, self.weight_bytes, SCALAR)

    def sweep(self, batch_sizes) -> SweepResult:
        import numpy as np

        bs = np.atleast_1d(np.asarray(batch_sizes))
        if bs.ndim != 1 or (bs.size and not np.issubdtype(bs.dtype, np.integer)):
            raise SimulatorInputError("batch_size", "must be integers")
        bs = bs.astype(np.int64)
        if bs.size and bs.min() < 1:
            raise SimulatorInputError("batch_size", f"must be >= 1, got {int(bs.min())}")
        evaluation = self._phase.evaluate(bs, VECTOR)
        return finish(evaluation, self.deployment, self.weight_bytes, VECTOR)

    def forwards_of(self, batch_size: int) -> list[ForwardShape]:
        """The forwards msmodeling's optimizer runs to probe ``batch_size``, in order, with its
        cache keys: what a probe costs msmodeling in wall time."""
        return self._phase.shapes(int(batch_size))

    def infeasible_above(self) -> int | None:
        """A batch size above which every batch is proven infeasible, or None where the
        phase proves none (memory use, growing with the batch, bounds the others)."""
        known = getattr(self._phase, "infeasible_above", None)
        return None if known is None else known()

    def features(self, rank_batch, query_len, seq_len) -> Features:
        """The features of forwards of these shapes (an array of rank batches), for timing
        single forwards with ``roofline.latency_s``."""
        import numpy as np

        dep = self.deployment
        prefill_from = dep.draft.block + 1 if dep.draft else 0
        return Features.of(
            np.asarray(rank_batch), query_len, seq_len, VECTOR, dep.dcp, prefill_from
        )


def _phase_of(dep: Deployment, forwards: Forwards):
    step = DecodeStep(dep)
    if dep.phase is Phase.DECODE:
        return DecodePhase(dep, forwards, step)
    if dep.lengths is not None:
        mixed = MixedPrefill(dep, forwards, dep.lengths)
        if dep.phase is Phase.PREFILL:
            return MixedPrefillPhase(mixed)
        return MixedAggPhase(mixed, step)
    if dep.phase is Phase.PREFILL:
        chunked_prefill = ChunkedPrefillPhase(dep, forwards)
        return chunked_prefill if chunked_prefill.applies else PrefillPhase(Waves(dep, forwards))
    chunked = ChunkedPhase(dep, forwards, step)
    if chunked.applies:
        return chunked
    return AggPhase(Waves(dep, forwards), step)


@lru_cache(maxsize=32)
def _simulator_for(deployment: Deployment) -> Simulator:
    return Simulator(deployment)


def forget() -> None:
    """Drop every kept simulator and roofline (a benchmark's cold start)."""
    _simulator_for.cache_clear()
    forget_rooflines()


def probe(deployment: Deployment, batch_size: int) -> ProbeResult:
    """One probe of a deployment (its simulator kept for the next call)."""
    return _simulator_for(deployment).probe(batch_size)


def sweep(deployment: Deployment, batch_sizes) -> SweepResult:
    """A sweep of a deployment (its simulator kept for the next call)."""
    return _simulator_for(deployment).sweep(batch_sizes)
