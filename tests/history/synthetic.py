"""A synthetic history of six commits, recorded through the command line: a search getting
better (certified_secant's probes on alpha/TP=8 fall from 9 to 6), then a regression at the
fifth commit (its probes rise to 9, and two_point's answer on alpha/TP=4,EP=2 leaves its
tolerance, failing that strategy's answers gate and the scenario's regression gate)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from harness.cli import main

SECONDS_PER_PROBE = 0.64
DATES = [f"2026-11-0{day}T12:00:00Z" for day in range(1, 7)]
SHAS = [f"{index:x}" * 40 for index in (10, 11, 12, 13, 14, 15)]
"""aaaa..., bbbb..., ... ffff...: six full commit ids."""
SUBJECTS = [
    "Start the history",
    "certified_secant: clamp the secant inside the bracket",
    "certified_secant: certify from both sides",
    "README: say what the bracket is",
    "two_point: a bolder safety factor",
    "Tidy the tables",
]
REGRESSION = 4
"""The commit (by position) that made certified_secant spend more probes again."""

SERIES: dict[tuple[str, str, str], tuple[list[int | None], list[int]]] = {
    # (scenario, strategy, search): (batch answer per commit, probes per commit)
    ("alpha", "TP=8", "exponential"): ([120] * 6, [11] * 6),
    ("alpha", "TP=8", "two_point"): ([119] * 6, [7] * 6),
    ("alpha", "TP=8", "certified_secant"): ([120] * 6, [9, 8, 6, 6, 9, 9]),
    ("alpha", "TP=4,EP=2", "exponential"): ([60] * 6, [10] * 6),
    ("alpha", "TP=4,EP=2", "two_point"): ([60, 60, 60, 60, 55, 55], [6] * 6),
    ("alpha", "TP=4,EP=2", "certified_secant"): ([60] * 6, [7] * 6),
    ("beta/moe", "TP=2,decode", "exponential"): ([None] * 6, [2] * 6),
    ("beta/moe", "TP=2,prefill", "exponential"): ([None, None, 8, 8, 8, 8], [9] * 6),
}
"""beta/moe's TP=2,prefill appears at the third commit (no row before it); its TP=2,decode
finds no batch that fits (answer none)."""
ABSENT = {("beta/moe", "TP=2,prefill", "exponential"): (0, 1)}
FAILED_AT = {REGRESSION: ["answers[TP=4,EP=2]", "regression"], 5: ["answers[TP=4,EP=2]"]}


@dataclass(frozen=True)
class SyntheticHistory:
    folder: Path
    reports: list[Path]

    def values(self, key: tuple[str, str, str], metric: str) -> list[float | int | None]:
        batches, probes = SERIES[key]
        by_metric = {
            "batch_size": batches,
            "probes": probes,
            "projected_msmodeling_s": [round(p * SECONDS_PER_PROBE, 2) for p in probes],
        }
        absent = ABSENT.get(key, ())
        return [None if i in absent else v for i, v in enumerate(by_metric[metric])]


def report(index: int) -> dict[str, object]:
    """The run report of commit ``index``, shaped as ``searchbench run --format json`` writes
    it (the fields ``compare`` reads)."""
    rows = []
    for (scenario, strategy, search), (batches, probes) in SERIES.items():
        if index in ABSENT.get((scenario, strategy, search), ()):
            continue
        rows.append(
            {
                "scenario": scenario,
                "strategy": strategy,
                "search": search,
                "batch_size": batches[index],
                "probes": probes[index],
                "projected_msmodeling_s": round(probes[index] * SECONDS_PER_PROBE, 2),
                "tolerance": 0.02,
                "exact": search != "two_point",
                "feasible": None if batches[index] is None else True,
                "failure": None,
            }
        )
    failed = FAILED_AT.get(index, [])
    items = [("alpha", "answers[TP=8]"), ("alpha", "answers[TP=4,EP=2]"), ("alpha", "probes")]
    items += [("alpha", "regression"), ("beta/moe", "answers[TP=2,decode]")]
    checks = [
        {
            "scenario": scenario,
            "item": item,
            "passed": item not in failed or scenario != "alpha",
            "message": f"{scenario} {item}: {'FAILED' if item in failed else 'ok'}\ndetails",
        }
        for scenario, item in items
    ]
    return {
        "format": "searchbench-run",
        "version": 1,
        "command": "searchbench run",
        "rows": rows,
        "checks": checks,
    }


def build(folder: Path, commits: int = 6) -> SyntheticHistory:
    """Record the first ``commits`` commits into ``folder / "history"`` with ``history
    record``, as the workflow does after each push to main."""
    reports = []
    for index in range(commits):
        path = folder / "reports" / f"{index}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report(index)))
        reports.append(path)
        code = main(
            [
                "history",
                "record",
                str(path),
                "--commit",
                SHAS[index],
                "--date",
                DATES[index],
                "--subject",
                SUBJECTS[index],
                "--history",
                str(folder / "history"),
            ]
        )
        assert code == 0
    return SyntheticHistory(folder / "history", reports)
