"""The one base of every error searchbench reports to a user as a line, never a traceback."""

from __future__ import annotations


class SearchbenchError(ValueError):
    """A user's mistake or bad input: the CLI prints it once, the plugin shows it on its item."""


class HarnessInputError(SearchbenchError):
    """A bad value in a request: a CLI flag or a scenario field the loader cannot place."""


class DeploymentError(SearchbenchError):
    """The simulator refused a deployment; ``field`` names the request field to blame."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")
