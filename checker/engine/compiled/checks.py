"""Properties checked on the frontier, a level at a time (see `readsets.py` for how)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from detachcheck.checker.engine.compiled.readsets import Memo
from detachcheck.fsm.view import Layout
from detachcheck.properties.registry import ALWAYS, AT_REST, DEADLOCK, SOMETIMES, Property


def at_rest_memo(layout: Layout) -> Memo:
    """`View.at_rest` as a memoised predicate (it reads the request slots)."""
    return Memo(layout, lambda s: s.at_rest)


class LevelChecks:
    """The open state properties and what they found: the first state id (in discovery order)
    that violates an always/at_rest/deadlock property or witnesses a sometimes one."""

    def __init__(self, layout: Layout, properties: Sequence[Property]) -> None:
        self.open: dict[str, list[tuple[Property, Memo]]] = {
            kind: [(p, Memo(layout, p.check)) for p in properties if p.kind == kind]
            for kind in (ALWAYS, AT_REST, SOMETIMES, DEADLOCK)}
        self.at_rest = at_rest_memo(layout)
        self.found: dict[str, int] = {}

    def _first(self, kind: str, first_id: int, values: np.ndarray, ids: np.ndarray | None, want: bool) -> None:
        for prop, memo in list(self.open[kind]):
            hits = np.flatnonzero(memo(values) == want)
            if len(hits):
                self.found[prop.id] = first_id + int(hits[0] if ids is None else ids[hits[0]])
                self.open[kind].remove((prop, memo))

    def new_states(self, first_id: int, values: np.ndarray) -> None:
        """Check states `first_id`, `first_id + 1`, ... given column-wise."""
        self._first(ALWAYS, first_id, values, None, False)
        if self.open[AT_REST]:
            rest = np.flatnonzero(self.at_rest(values))
            if len(rest):
                self._first(AT_REST, first_id, values[:, rest], rest, False)
        self._first(SOMETIMES, first_id, values, None, True)

    def expanded(self, first_id: int, values: np.ndarray, enabled: np.ndarray) -> None:
        """Deadlock properties on expanded states, given how many actions each enables."""
        if self.open[DEADLOCK]:
            dead = np.flatnonzero(enabled == 0)
            if len(dead):
                self._first(DEADLOCK, first_id, values[:, dead], dead, True)
