"""The metrics a history follows: row fields of the run report, with their captions (light, so
the command line can list them without loading the store)."""

from __future__ import annotations

from harness.errors import SearchbenchError

METRICS: dict[str, str] = {
    "batch_size": "batch answer",
    "probes": "probes",
    "projected_msmodeling_s": "projected msmodeling s",
}


def check_metric(name: str) -> str:
    if name not in METRICS:
        raise SearchbenchError(f"metric: unknown {name!r} (allowed: {', '.join(METRICS)})")
    return name
