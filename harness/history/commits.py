"""The commit a history entry belongs to: its full id, its date (UTC) and its subject line.

Dates order the history, so each is stored in one spelling (``2026-12-02T00:39:30Z``). A commit
is named by its full id (40 hex digits, or 64 in a SHA-256 repository) so that one commit has
one file; an abbreviation is accepted where git, run in the working directory, resolves it."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone

from harness.errors import SearchbenchError

FULL_ID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
GIT_TIMEOUT_S = 10


@dataclass(frozen=True)
class Commit:
    sha: str
    """The full commit id."""
    date: str
    """When it was committed, in UTC: ``YYYY-MM-DDTHH:MM:SSZ``."""
    subject: str = ""
    """The first line of its message (empty when unknown)."""

    @property
    def short(self) -> str:
        return self.sha[:7]

    def to_dict(self) -> dict[str, str]:
        return {"sha": self.sha, "date": self.date, "subject": self.subject}


def utc_date(text: object, where: str) -> str:
    """An ISO 8601 date and time (with an offset, or UTC if none) in the stored spelling."""
    if not isinstance(text, str):
        raise SearchbenchError(f"{where}: expected an ISO 8601 date, got {text!r}")
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise SearchbenchError(
            f"{where}: expected an ISO 8601 date such as 2026-12-02T00:39:30Z, got {text!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def resolve_commit(sha: str, date: str | None = None, subject: str | None = None) -> Commit:
    """The commit ``sha`` names: its id, date and subject from git where git knows it, each
    overridden by the value given; else the values given, dated now if no date is."""
    known = _from_git(sha) if date is None or subject is None else None
    full = known.sha if known else sha.strip().lower()
    if not FULL_ID.fullmatch(full):
        raise SearchbenchError(
            f"--commit: expected a full commit id (40 hex digits) or one git resolves here, "
            f"got {sha!r}"
        )
    fallback = known.date if known else now()
    stamp = utc_date(date, "--date") if date is not None else fallback
    if subject is None:
        subject = known.subject if known else ""
    return Commit(full, stamp, subject.splitlines()[0] if subject else "")


def _from_git(sha: str) -> Commit | None:
    command = ["git", "show", "-s", "--format=%H%n%cI%n%s", f"{sha}^{{commit}}", "--"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=GIT_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.splitlines()
    if done.returncode != 0 or len(lines) < 2 or not FULL_ID.fullmatch(lines[0]):
        return None
    return Commit(lines[0], utc_date(lines[1], "git"), lines[2] if len(lines) > 2 else "")
