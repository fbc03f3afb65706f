"""The serving formulas of the full-prefill agg path (serving model §1.4 b, §1.5)."""

from __future__ import annotations


def wave_timing(concurrency, wave: int, full_ms: float, remainder_ms):
    """Mean TTFT and total latency of prefill waves that all start at t=0 (§1.4 b, §1.5).

    ``concurrency // wave`` full waves run back to back, then the remainder wave.
    """
    full_waves = concurrency // wave
    remainder = concurrency % wave
    tr = remainder_ms * (remainder > 0)
    total = (
        wave * full_ms * (1 + full_waves) * full_waves / 2 + (full_waves * full_ms + tr) * remainder
    )
    return total / concurrency, full_waves * full_ms + tr


def agg_timing(concurrency, output_length: int, ttft_ms, decode_ms):
    """TPOT with TTFT amortised into it, and tokens/s over the whole run (§1.4 b)."""
    e2e = ttft_ms + decode_ms * output_length
    return e2e / output_length, 1000.0 * output_length * concurrency / e2e
