"""Which starts can reach a goal: a breadth-first search that expands only what is still in question.

After each level, on the graph explored so far: a state is *good* if it reaches a goal state
(reverse reachability), a start is *open* while it is not good, and the states still *needed* are
those an open start reaches (forward reachability; none of them is good, or the start would be).
Only needed states not yet expanded are expanded next, whichever level found them. So a start
stops costing anything as soon as one path from it to a goal is known, and when the search ends
every open start has had its whole closure explored without meeting a goal: it really cannot
reach one. For recoverability (`recovery.py`) most states reach a consistent one in a few steps,
and this stores a fraction of the full closure of the checked states.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from detachcheck.checker.engine.compile import CompiledModel
from detachcheck.checker.engine.frontier import Tables, successors
from detachcheck.checker.engine.graph import ArrayGraph, array_graph
from detachcheck.checker.engine.keyset import KeySet
from detachcheck.checker.engine.packed import IntColumn, LevelDepths, PackedExploration, PackedStates
from detachcheck.checker.engine.progress import Deadline, Progress, Status
from detachcheck.checker.engine.search import first_occurrences


class Growing:
    """A numpy column appended to level by level and read anywhere (capacity doubles)."""

    def __init__(self, dtype: type) -> None:
        self.data = np.zeros(1 << 16, dtype=dtype)
        self.size = 0

    def extend(self, values: np.ndarray) -> None:
        need = self.size + len(values)
        if need > len(self.data):
            grown = np.zeros(max(need, 2 * len(self.data)), dtype=self.data.dtype)
            grown[:self.size] = self.data[:self.size]
            self.data = grown
        self.data[self.size:need] = values
        self.size = need

    def view(self) -> np.ndarray:
        return self.data[:self.size]


class Adjacency:
    """The edges found so far, readable both ways without re-sorting them all at every level: each
    expanded state's out-edges lie together (a state is expanded once), and the in-edges are kept
    in a few runs sorted by target (merged as they accumulate)."""

    def __init__(self) -> None:
        self.target, self.action = Growing(np.int32), Growing(np.int16)
        self.first, self.count = Growing(np.int64), Growing(np.int32)  # per state: where its out-edges lie
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []  # (targets sorted, their sources)

    def grow(self, states: int) -> None:
        """Room for `states` more states, with no edges yet."""
        self.first.extend(np.zeros(states, dtype=np.int64))
        self.count.extend(np.zeros(states, dtype=np.int32))

    def add(self, source: np.ndarray, target: np.ndarray, action: np.ndarray) -> None:
        """The out-edges of states expanded together (each state is expanded once)."""
        order = np.argsort(source, kind="stable")
        source, target = source[order], target[order]
        rows, counts = np.unique(source, return_counts=True)
        self.first.data[rows] = self.target.size + np.cumsum(counts) - counts
        self.count.data[rows] = counts
        self.target.extend(target)
        self.action.extend(action[order])
        by_target = np.argsort(target, kind="stable")
        self.runs.append((target[by_target], source[by_target].astype(np.int32)))
        if len(self.runs) > 6:
            tgt, src = (np.concatenate(c) for c in zip(*self.runs, strict=True))
            by_target = np.argsort(tgt, kind="stable")
            self.runs = [(tgt[by_target], src[by_target])]

    def successors(self, states: np.ndarray) -> np.ndarray:
        counts = self.count.data[states]
        at = np.repeat(self.first.data[states] - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        return self.target.data[at]

    def predecessors(self, states: np.ndarray) -> np.ndarray:
        """Sources of the edges into `states` (sorted)."""
        parts = [np.zeros(0, np.int32)]
        for tgt, src in self.runs:
            lo, hi = np.searchsorted(tgt, states, "left"), np.searchsorted(tgt, states, "right")
            counts = hi - lo
            at = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
            parts.append(src[at])
        return np.concatenate(parts)

    def csr(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, targets, actions) with rows in id order."""
        counts = self.count.view()[:n]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        at = np.repeat(self.first.view()[:n] - indptr[:-1], counts) + np.arange(int(indptr[-1]))
        return indptr, self.target.data[at], self.action.data[at]


def _spread(start: np.ndarray, mark: np.ndarray, step: Callable[[np.ndarray], np.ndarray]) -> None:
    """Mark everything `step` leads to from `start`, stopping at what is already marked."""
    slot = np.zeros(len(mark), dtype=np.int32)  # drops repeats without sorting: the last of each stays
    x = start
    while len(x):
        x = x[~mark[x]]
        places = np.arange(len(x), dtype=np.int32)
        slot[x] = places
        x = x[slot[x] == places]
        mark[x] = True
        x = step(x)


def goal_search(model: CompiledModel, tables: Tables, values: np.ndarray, goal: Callable[[np.ndarray], np.ndarray],
                symmetry: object | None = None, max_states: int | None = None, deadline: Deadline | None = None,
                progress: Progress | None = None, phase: str = "") -> tuple[PackedExploration, ArrayGraph, np.ndarray]:
    """Search from the starts `values` (slots x states) until each start is known to reach a state
    `goal` holds for (column-wise values -> bool), or its whole closure is explored. Returns the
    search (its graph holds the edges of every expanded state), and each start's id in it."""
    packing = tables.packing
    canonical = getattr(symmetry, "canonical", None)
    word, extra = packing.pack(values)
    if canonical is not None:
        word, extra = canonical(word, extra)
    first, start_of = first_occurrences(word, extra)
    word, extra = word[first], None if extra is None else extra[first]
    n = starts = len(word)
    keys = KeySet()
    keys.add(word, extra, np.arange(n))
    words, extras = Growing(np.uint64), Growing(np.uint32)
    parent, via, at_goal, expanded = Growing(np.int32), Growing(np.int16), Growing(np.bool_), Growing(np.bool_)
    words.extend(word)
    extras.extend(extra if extra is not None else np.zeros(n, np.uint32))
    parent.extend(np.arange(n))
    via.extend(np.full(n, -1))
    at_goal.extend(goal(packing.unpack(word, extra)))
    expanded.extend(np.zeros(n, dtype=bool))
    adjacency = Adjacency()
    adjacency.grow(n)
    good = at_goal.view().copy()
    bounds = [0, n]
    transitions = 0
    complete, stopped = True, None
    todo = np.flatnonzero(~at_goal.view())
    while len(todo):
        word = words.data[todo]
        extra = extras.data[todo] if packing.two_part else None
        succ = successors(tables, word, extra, ordered=False)
        expanded.data[todo] = True
        source = todo[succ.source]
        cw, cx = succ.word, succ.extra
        if canonical is not None:
            cw, cx = canonical(cw, cx)
        target = keys.find(cw, cx)
        unseen = np.flatnonzero(target < 0)
        firsts, inverse = first_occurrences(cw[unseen], None if cx is None else cx[unseen])
        allowed = len(firsts) if max_states is None else max(0, min(len(firsts), max_states - n))
        if allowed < len(firsts):
            complete, stopped = False, "max-states"
        target[unseen] = np.where(inverse < allowed, n + inverse, -1)
        kept = target >= 0
        adjacency.grow(allowed)
        adjacency.add(source[kept], target[kept], succ.action[kept])
        transitions += int(kept.sum())
        new = unseen[firsts[:allowed]]
        nw, nx = cw[new], None if cx is None else cx[new]
        keys.add(nw, nx, np.arange(n, n + allowed))
        words.extend(nw)
        extras.extend(nx if nx is not None else np.zeros(allowed, np.uint32))
        parent.extend(source[new])
        via.extend(succ.action[new])
        at_goal.extend(goal(packing.unpack(nw, nx)))
        expanded.extend(np.zeros(allowed, dtype=bool))
        n += allowed
        if allowed:
            bounds.append(n)
        # What reaches a goal state now: the new goal states, the states with an edge into a good one,
        # and what reaches those; then what the starts still open lead to.
        good = np.concatenate([good, np.zeros(allowed, dtype=bool)])
        into_good = good[target[kept]]
        new_goals = n - allowed + np.flatnonzero(at_goal.view()[n - allowed:])
        seeds = np.concatenate([source[kept][into_good], new_goals])
        _spread(seeds, good, adjacency.predecessors)
        del succ, cw, cx, target, unseen, firsts, inverse, new, nw, nx, source, kept, into_good, new_goals, seeds
        needed = np.zeros(n, dtype=bool)
        _spread(np.flatnonzero(~good[:starts]), needed, adjacency.successors)
        todo = np.flatnonzero(needed & ~expanded.view())
        if progress is not None:
            progress(Status(phase, n, transitions, len(bounds) - 2, len(todo)))
        if len(todo) and deadline is not None and deadline.expired():
            complete, stopped = False, "max-seconds"
            break
    indptr, to, action = adjacency.csr(n)
    graph = array_graph(model, packing, to, action, indptr, None, [])
    states = PackedStates(packing, words.view().copy(), extras.view().copy() if packing.two_part else None)
    found = PackedExploration(model, tables, keys, states, IntColumn(parent.view().copy()),
                              IntColumn(via.view().copy()), LevelDepths(np.array(bounds)), transitions, complete,
                              {}, stopped, 0, symmetry, cut=True)
    found.keep_graph(graph)
    return found, graph, start_of
