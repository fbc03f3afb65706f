"""``history bisect``: which commit gave a metric the value it has now.

The metrics are deterministic (answers, probes, projected seconds), so no statistics are
needed: for each strategy and search of a scenario, walk back from the ``bad`` commit (the
newest by default) while the value stays the same; the first commit of that run changed it.
Only commits after ``good`` (the oldest by default) are blamed."""

from __future__ import annotations

from dataclasses import dataclass

from harness.errors import SearchbenchError
from harness.history.commits import Commit
from harness.history.metrics import check_metric
from harness.history.series import Series, Value
from harness.history.store import History
from harness.reporting.render import table


@dataclass(frozen=True)
class Change:
    """The commit since which a series has held its value at ``bad``."""

    strategy: str
    search: str
    metric: str
    before: Value
    after: Value
    commit: Commit
    position: int
    """The commit's position in the history, oldest first."""

    def to_dict(self) -> dict[str, object]:
        return {
            "strategy": self.strategy,
            "search": self.search,
            "metric": self.metric,
            "before": self.before,
            "after": self.after,
            "commit": self.commit.to_dict(),
        }


def bisect(
    history: History,
    metric: str,
    scenario: str,
    strategy: str | None = None,
    search: str | None = None,
    good: str | None = None,
    bad: str | None = None,
) -> list[Change]:
    """Every series of ``scenario`` (or the one strategy and search asked for) whose value at
    ``bad`` differs from an earlier one after ``good``, earliest change first."""
    check_metric(metric)
    series = Series.of(history)
    keys = [key for key in series.rows if key[0] == scenario]
    if not keys:
        known = ", ".join(series.scenarios())
        raise SearchbenchError(f"scenario: {scenario!r} is not in the history (known: {known})")
    for field, wanted, position in (("--strategy", strategy, 1), ("--search", search, 2)):
        allowed = sorted({key[position] for key in keys})
        if wanted is not None and wanted not in allowed:
            raise SearchbenchError(
                f"{field}: {wanted!r} is not in {scenario}'s history (allowed: "
                f"{', '.join(allowed)})"
            )
    first = 0 if good is None else history.index(good, "--good")
    last = len(history.entries) - 1 if bad is None else history.index(bad, "--bad")
    if first >= last:
        raise SearchbenchError("--good: must be an older commit than --bad")
    changes = []
    for key in keys:
        if strategy not in (None, key[1]) or search not in (None, key[2]):
            continue
        change = _last_change(series, key, metric, first, last)
        if change is not None:
            changes.append(change)
    return sorted(changes, key=lambda c: (c.position, c.strategy, c.search))


def _last_change(
    series: Series, key: tuple[str, str, str], metric: str, first: int, last: int
) -> Change | None:
    values, present = series.values(key, metric), series.present(key)
    if not present[last]:
        return None
    at = last
    while at > first and present[at - 1] and values[at - 1] == values[last]:
        at -= 1
    if at == first or not present[at - 1]:
        return None
    commit = series.commits[at]
    return Change(key[1], key[2], metric, values[at - 1], values[last], commit, at)


def render_changes(changes: list[Change], metric: str, scenario: str) -> str:
    """The first commit that changed the metric, then one line per series that changed."""
    if not changes:
        return f"{metric} of {scenario}: no change in the commits examined"
    first = changes[0].commit
    line = f"{metric} of {scenario}: first changed at {first.short} ({first.date}) {first.subject}"
    body = [
        (c.strategy, c.search, _show(c.before), _show(c.after), c.commit.short, c.commit.subject)
        for c in changes
    ]
    headers = ("strategy", "search", "before", "after", "commit", "subject")
    return f"{line}\n\n{table(body, headers)}"


def _show(value: Value) -> str:
    return "none" if value is None else f"{value:g}"
