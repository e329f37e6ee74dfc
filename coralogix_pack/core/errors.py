"""The one base of every error pack reports to its user.

Library callers catch ``CoralogixPackError``; the CLI maps it, in one place, to its message
lines and exit code 1. Messages are built without the API key and pass through redaction.
"""

from __future__ import annotations


class CoralogixPackError(Exception):
    """Something the user can fix: bad input, an unreachable or refusing account, a refused plan."""

    def lines(self) -> list[str]:
        return [f"error: {self}"]
