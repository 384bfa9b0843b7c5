"""Progress reports from long work, and the time budget shared by every phase of a check."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

SEARCHING = "searching"
PROPERTIES = "checking properties"
LIVENESS = "checking liveness"
RECOVERABILITY = "checking recoverability"
DONE = "done"
"""Sent once a check has ended: a display of several checks drops its line."""


@dataclass(frozen=True)
class Status:
    """Where a check is: its phase, states so far, the frontier being expanded, its depth."""

    phase: str
    states: int
    transitions: int = 0
    depth: int = 0
    frontier: int = 0


Progress = Callable[[Status], None]


class Deadline:
    """A wall-clock budget (`--max-seconds`); no budget never expires."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = seconds
        self.at = None if seconds is None else time.perf_counter() + seconds

    def expired(self) -> bool:
        return self.at is not None and time.perf_counter() >= self.at
