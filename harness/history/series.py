"""A history as series: per scenario, strategy and search, each metric's value at every commit,
and per scenario and strategy, the gates that failed at each commit. The dashboard, the table
view and ``history bisect`` all read these."""

from __future__ import annotations

from dataclasses import dataclass

from harness.history.commits import Commit
from harness.history.store import History

Key = tuple[str, str, str]
"""(scenario, strategy, search)."""
Value = int | float | None


@dataclass(frozen=True)
class Series:
    """Every row of a history, aligned with its commits (``None`` where a commit has no row)."""

    commits: tuple[Commit, ...]
    rows: dict[Key, tuple[dict[str, object] | None, ...]]
    failures: dict[str, tuple[tuple[tuple[str, str], ...], ...]]
    """Per scenario, per commit: the (item, message) of every gate that failed."""

    order: tuple[Key, ...] = ()
    """The keys, those in the newest commit's run first, each group in first-seen order."""

    @classmethod
    def of(cls, history: History) -> Series:
        count = len(history.entries)
        rows: dict[Key, list[dict[str, object] | None]] = {}
        failures: dict[str, list[list[tuple[str, str]]]] = {}
        for index, entry in enumerate(history.entries):
            for row in entry.rows:
                key = (str(row["scenario"]), str(row["strategy"]), str(row["search"]))
                rows.setdefault(key, [None] * count)[index] = row
            for gate in entry.gates:
                per_commit = failures.setdefault(gate.scenario, [[] for _ in range(count)])
                if not gate.passed:
                    first_line = gate.message.splitlines()[0] if gate.message else ""
                    per_commit[index].append((gate.item, first_line))
        newest = {
            key: max(i for i, row in enumerate(cells) if row is not None)
            for key, cells in rows.items()
        }
        return cls(
            history.commits,
            {key: tuple(cells) for key, cells in rows.items()},
            {name: tuple(map(tuple, cells)) for name, cells in failures.items()},
            tuple(sorted(rows, key=lambda key: -newest[key])),  # a stable sort
        )

    def scenarios(self) -> list[str]:
        return sorted({key[0] for key in self.rows})

    def strategies(self, scenario: str) -> list[str]:
        """Those of the newest run first, in the order runs listed them."""
        return list(dict.fromkeys(key[1] for key in self.order if key[0] == scenario))

    def searches(self, scenario: str | None = None) -> list[str]:
        return list(dict.fromkeys(k[2] for k in self.order if scenario in (None, k[0])))

    def values(self, key: Key, metric: str) -> tuple[Value, ...]:
        return tuple(None if row is None else row[metric] for row in self.rows[key])  # type: ignore[misc]

    def present(self, key: Key) -> tuple[bool, ...]:
        return tuple(row is not None for row in self.rows[key])

    def failed_gates(self, scenario: str, strategy: str) -> tuple[tuple[str, ...], ...]:
        """Per commit, the failed gates that concern this strategy: its own ``answers[...]``
        item, and every item of the scenario that names no strategy (probes, regression)."""
        strategies = set(self.strategies(scenario))
        per_commit = self.failures.get(scenario, tuple(() for _ in self.commits))
        return tuple(
            tuple(item for item, _ in failed if _concerns(item, strategy, strategies))
            for failed in per_commit
        )

    def totals(self, scenario: str, search: str, metric: str) -> tuple[Value, ...]:
        """Per commit, the metric summed over the scenario's strategies (``None``: no row)."""
        keys = [k for k in self.rows if k[0] == scenario and k[2] == search]
        out: list[Value] = []
        for index in range(len(self.commits)):
            cells = [self.rows[k][index] for k in keys]
            numbers = [c[metric] for c in cells if c is not None and c[metric] is not None]
            out.append(round(sum(numbers), 2) if numbers else None)  # type: ignore[arg-type]
        return tuple(out)


def _concerns(item: str, strategy: str, strategies: set[str]) -> bool:
    named = item[item.index("[") + 1 : -1] if item.endswith("]") and "[" in item else None
    return named == strategy or named not in strategies
