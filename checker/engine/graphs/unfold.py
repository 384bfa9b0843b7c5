"""Counterexamples of a symmetry-reduced search, as paths of the unreduced model.

The reduced search stores one canonical state per orbit, and a stored path goes from canonical
state to canonical state: each step is an action followed by a renaming. `RealPaths` walks such
a path in the real model instead: from the real initial state, at each step it takes the first
enabled action (in dispatch order) whose successor has the next canonical state as its canonical
form. That is the stored action mapped through the permutation accumulated so far (or another
action reaching the same orbit), so the path has the same length, ends in a state of the same
orbit (which breaks the same symmetric properties), and `detachcheck replay` runs it as is.

`RealPaths` reads like an `Exploration` for the report code: ids 0.. are the model's initial
states, then the real states of the unfolded paths; `len(states)` and `max(depth)` are the
reduced search's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from detachcheck.checker.engine.compiled.compile import State
from detachcheck.checker.engine.compiled.symmetry import Symmetry
from detachcheck.checker.engine.graphs.analysis import Lasso
from detachcheck.checker.engine.searches.explore import ParentLinks
from detachcheck.checker.engine.searches.packed import PackedExploration


class _Sized(Sequence[State]):
    """A few real states, with the reduced search's state count as length."""

    def __init__(self, states: list[State], size: int) -> None:
        self.states = states
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i: int) -> State:  # type: ignore[override]
        return self.states[i]

    def __iter__(self) -> Iterator[State]:
        raise TypeError("a symmetry-reduced search holds canonical states: iterate the reduced exploration")


class _Depths(Sequence[int]):
    def __init__(self, depths: list[int], reduced: Sequence[int]) -> None:
        self.depths = depths
        self.reduced = reduced

    def __len__(self) -> int:
        return len(self.reduced)

    def __getitem__(self, i: int) -> int:  # type: ignore[override]
        return self.depths[i]

    def __iter__(self) -> Iterator[int]:
        return iter(self.reduced)


class RealPaths(ParentLinks):
    """Real paths to the states a reduced search found, readable like an `Exploration`."""

    def __init__(self, reduced: PackedExploration, symmetry: Symmetry) -> None:
        self.reduced = reduced
        self.symmetry = symmetry
        self.model = reduced.model
        self.transitions = reduced.transitions
        self.complete = reduced.complete
        self._states: list[State] = list(self.model.initials)
        self._index: dict[State, int] = {s: i for i, s in reversed(list(enumerate(self._states)))}
        self.parent: list[int] = list(range(len(self._states)))
        self.via: list[int] = [-1] * len(self._states)
        self._depth: list[int] = [0] * len(self._states)
        self.states = _Sized(self._states, len(reduced.states))
        self.depth = _Depths(self._depth, reduced.depth)
        self.found = {pid: self.unfold(sid) for pid, sid in reduced.found.items()}

    def taken(self) -> set[tuple[int, tuple[int, ...]]]:
        """What the reduced search's states enable (coverage reads it: the same up to renaming)."""
        return self.reduced.taken()

    def _add(self, state: State, parent: int, action: int, index: bool = True) -> int:
        """The id of a real state: on a shortest path (`index`, shared between paths), or off one."""
        if index and state in self._index:
            return self._index[state]
        if index:
            self._index[state] = len(self._states)
        self._states.append(state)
        self.parent.append(parent)
        self.via.append(action)
        self._depth.append(self._depth[parent] + 1)
        return len(self._states) - 1

    def step(self, real: int, canonical: State, symmetry: Symmetry | _Identity | None = None,
             index: bool = True) -> tuple[int, int]:
        """(action, real id) of the first step from real state `real` into the orbit of `canonical`."""
        sym = symmetry or self.symmetry
        enabled = self.model.enabled(self._states[real])
        for (ai, succ), c in zip(enabled, sym.canonical_states([s for _, s in enabled]), strict=True):
            if c == canonical:
                return ai, self._add(succ, real, ai, index)
        raise AssertionError("a reduced edge has no real counterpart: the model is not symmetric")

    def unfold(self, state_id: int, exploration: PackedExploration | None = None,
               symmetry: Symmetry | _Identity | None = None) -> int:
        """The real id of the end of a real path to the orbit of `exploration`'s `state_id`."""
        ex = exploration or self.reduced
        sym = symmetry or self.symmetry
        canon = [ex.states[i] for i in ex.path_states(state_id)]
        start = next(i for i, s in enumerate(self.model.initials) if sym.canonical_state(s) == canon[0])
        here = self._index[self.model.initials[start]]
        for c in canon[1:]:
            _, here = self.step(here, c, sym)
        return here

    def lasso(self, live: PackedExploration, symmetry: Symmetry | _Identity | None, lasso: Lasso) -> Lasso:
        """A lasso found in `live` (reduced by volume permutations only, or not at all), unfolded:
        the prefix, then the cycle repeated until it returns to the very same real state."""
        if symmetry is None:
            symmetry = _Identity(self.symmetry)
        entry = self.unfold(lasso.prefix[-1], live, symmetry)
        prefix = self.path_states(entry)
        if not lasso.cycle:
            return Lasso(lasso.request, prefix, [])
        ring = [live.states[b] for _, _, b in lasso.cycle]
        cycle = []
        here = entry
        for _ in range(len(symmetry.group)):
            for c in ring:
                ai, nxt = self.step(here, c, symmetry, index=False)
                cycle.append((here, ai, nxt))
                here = nxt
            if self._states[here] == self._states[entry]:
                cycle[-1] = (cycle[-1][0], cycle[-1][1], entry)
                return Lasso(lasso.request, prefix, cycle)
        raise AssertionError("an unfolded cycle did not close")


class _Identity:
    """No reduction (a model with one data volume, for liveness): canonical form is the state."""

    group = ((), )

    def __init__(self, like: Symmetry) -> None:
        self.like = like

    def canonical_state(self, state: State) -> State:
        return state

    def canonical_states(self, states: list[State]) -> list[State]:
        return states


def full_count(reduced: PackedExploration, symmetry: Symmetry) -> int:
    """States of the unreduced model: each canonical state stands for |G| / |its stabiliser| states.
    A permutation (pv of the volumes, pr of the requests) fixes a state when each data volume i's
    block equals volume pv[i]'s, each request q is in request pr[q]'s state and pr[q]'s target is
    q's renamed by pv, and the lock's holder is renamed onto itself: a few comparisons per state,
    most shared among the permutations."""
    lay = symmetry.layout
    n_vol, n_req = len(lay.volume_blocks), len(lay.request_slots)
    blocks = np.array(lay.volume_blocks, dtype=np.intp).reshape(n_vol, -1)
    by_volumes: dict[tuple[int, ...], list[tuple[int, ...]]] = {}
    for pv, pr in symmetry.group:
        by_volumes.setdefault(pv, []).append(pr)
    total = 0
    for start in range(0, len(reduced.states), 1 << 20):
        values = reduced.states.values(start, start + (1 << 20))
        fixed = np.zeros(values.shape[1], dtype=np.int64)
        block = values[blocks]  # volumes x block slots x states
        same = {(i, k): (block[i] == block[k]).all(axis=0) for i in range(n_vol) for k in range(n_vol) if i < k}
        pcs, targets = values[list(lay.request_slots)], values[list(lay.target_slots)]
        lock = values[lay.lock_slot] if lay.lock_slot is not None else None
        for pv, prs in by_volumes.items():
            ok = np.ones(values.shape[1], dtype=bool)
            for i in range(n_vol):
                if pv[i] != i:
                    ok &= same[min(i, pv[i]), max(i, pv[i])]
            if not ok.any():
                continue
            rename = np.arange(256, dtype=np.uint8)
            rename[list(lay.target_of_volume)] = [lay.target_of_volume[k] for k in pv]
            renamed = rename[targets]
            match = {(q, r): (pcs[r] == pcs[q]) & (targets[r] == renamed[q])
                     for q in range(n_req) for r in range(n_req)}
            for pr in prs:
                here = ok.copy()
                for q in range(n_req):
                    here &= match[q, pr[q]]
                if lock is not None:
                    holder = np.arange(256, dtype=np.uint8)
                    holder[list(lay.lock_of_request)] = [lay.lock_of_request[r] for r in pr]
                    here &= holder[lock] == lock
                fixed += here
        total += int((len(symmetry.group) // fixed).sum())
    return total
