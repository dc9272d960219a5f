"""The one failure the intake layer reports: a message or attachment that cannot be read.

The pipeline turns it into an ``UNREADABLE`` finding, so the reason must make sense to a person.
"""

from __future__ import annotations


class Unreadable(Exception):
    """Something in a message could not be read; ``reason`` says what and why, in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
