"""Which starts can reach a goal: a breadth-first search that expands only what is still in question.

After each level, on the graph explored so far: a state is *good* if it reaches a goal state
(reverse reachability), a start is *open* while it is not good, and the states still *needed* are
those an open start reaches (forward reachability; none of them is good, or the start would be).
Only needed states not yet expanded are expanded next, whichever level found them, and only for
the first open starts (those placed before twice the first one's place). So a start stops costing
anything as soon as one path from it to a goal is known; the search ends when every start is
good, or when the window's open starts have had their whole closures explored without meeting a
goal: the first of them really cannot reach one, every start before it can, and the starts after
it are left unanswered (the verdict and its counterexample need no more). For recoverability
(`recovery.py`) most states reach a consistent one in a few steps, and this stores a fraction of
the full closure of the checked states.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from detachcheck.checker.engine.compiled.compile import CompiledModel
from detachcheck.checker.engine.compiled.frontier import Tables
from detachcheck.checker.engine.graphs.graph import array_graph
from detachcheck.checker.engine.searches.keyset import KeySet
from detachcheck.checker.engine.searches.packed import (
    CHUNK,
    GrowingArray,
    IntColumn,
    LevelDepths,
    PackedExploration,
    PackedStates,
)
from detachcheck.checker.engine.searches.progress import Deadline, Progress, Status
from detachcheck.checker.engine.searches.search import Chunk, Expanded, chunk_size, first_occurrences, stepped_chunks


class Adjacency:
    """The edges found so far, readable both ways without re-sorting them all at every level: each
    expanded state's out-edges lie together (a state is expanded once), and the in-edges are kept
    in a few runs sorted by target (merged as they accumulate)."""

    def __init__(self) -> None:
        self.target, self.action = GrowingArray(np.int32), GrowingArray(np.int16)
        self.first, self.count = GrowingArray(np.int64), GrowingArray(np.int32)  # per state: where its out-edges lie
        self.runs: list[np.ndarray] = []  # in-edges as sorted keys: target << 32 | source

    def grow(self, states: int) -> None:
        """Room for `states` more states, with no edges yet."""
        self.first.append(np.zeros(states, dtype=np.int64))
        self.count.append(np.zeros(states, dtype=np.int32))

    def add(self, source: np.ndarray, target: np.ndarray, action: np.ndarray) -> None:
        """The out-edges of states expanded together (each state is expanded once)."""
        order = np.argsort(source, kind="stable")
        source, target = source[order], target[order]
        rows, counts = np.unique(source, return_counts=True)
        self.first.array[rows] = len(self.target) + np.cumsum(counts) - counts
        self.count.array[rows] = counts
        self.target.append(target)
        self.action.append(action[order])
        key = target.astype(np.uint64) << np.uint64(32) | source.astype(np.uint64)
        key.sort()
        self.runs.append(key)
        while len(self.runs) > 1 and 2 * len(self.runs[-1]) >= len(self.runs[-2]):  # runs of halving sizes
            last = self.runs.pop()
            merged = np.concatenate([self.runs.pop(), last])
            del last
            merged.sort(kind="stable")  # two sorted runs: merged in one pass
            self.runs.append(merged)

    def successors(self, states: np.ndarray) -> np.ndarray:
        counts = self.count.array[states]
        at = np.repeat(self.first.array[states] - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        return self.target.array[at]

    def predecessors(self, states: np.ndarray) -> np.ndarray:
        """Sources of the edges into `states`."""
        parts = [np.zeros(0, np.int32)]
        first = states.astype(np.uint64) << np.uint64(32)
        for run in self.runs:
            lo, hi = np.searchsorted(run, first), np.searchsorted(run, first + np.uint64(1 << 32))
            counts = hi - lo
            at = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
            parts.append((run[at] & np.uint64(0xFFFFFFFF)).astype(np.int32))
        return np.concatenate(parts)

    def csr(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, targets, actions) with rows in id order."""
        counts = self.count.array[:n]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        targets = np.empty(int(indptr[-1]), dtype=np.int32)
        actions = np.empty(int(indptr[-1]), dtype=np.int16)
        for lo in range(0, n, CHUNK):  # rows a chunk at a time: no index array as long as the edges
            hi, a, b = min(n, lo + CHUNK), int(indptr[lo]), int(indptr[min(n, lo + CHUNK)])
            at = np.repeat(self.first.array[lo:hi] - indptr[lo:hi], counts[lo:hi]) + np.arange(a, b)
            targets[a:b], actions[a:b] = self.target.array[at], self.action.array[at]
        return indptr, targets, actions


def _spread(start: np.ndarray, mark: np.ndarray, step: Callable[[np.ndarray], np.ndarray],
            slot: np.ndarray) -> None:
    """Mark everything `step` leads to from `start`, stopping at what is already marked. `slot`
    (one int32 per state, any contents) drops repeats without sorting: the last of each stays."""
    x = start
    while len(x):
        x = x[~mark[x]]
        places = np.arange(len(x), dtype=np.int32)
        slot[x] = places
        x = x[slot[x] == places]
        mark[x] = True
        x = step(x)


GOAL_CHUNK = 1 << 18
"""States the goal is evaluated on at once."""
WINDOW = 1 << 12
"""The starts worked on at first (`goal_search` widens the window as the first open start moves on)."""
FEW = 1 << 12
"""Fewer states than this are expanded in one part."""


class GoalSearch:
    """The search's state: the states found (packed, with parent and action), which are goal states,
    expanded, good; the visited set; the edges."""

    def __init__(self, model: CompiledModel, tables: Tables, goal: Callable[[np.ndarray], np.ndarray],
                 symmetry: object | None, max_states: int | None) -> None:
        self.model, self.tables, self.goal, self.symmetry = model, tables, goal, symmetry
        self.canonical = getattr(symmetry, "canonical", None)
        self.max_states = max_states
        self.keys = KeySet()
        self.words, self.extras = GrowingArray(np.uint64), GrowingArray(np.uint32)
        self.parent, self.via = GrowingArray(np.int32), GrowingArray(np.int16)
        self.at_goal, self.expanded, self.good = GrowingArray(np.bool_), GrowingArray(np.bool_), GrowingArray(np.bool_)
        self.slot = GrowingArray(np.int32)  # scratch for `_spread`
        self.adjacency = Adjacency()
        self.bounds = [0]
        self.transitions = 0
        self.capped = False  # --max-states left some state out

    @property
    def n(self) -> int:
        return len(self.words)

    def store(self, word: np.ndarray, extra: np.ndarray | None, parent: np.ndarray, via: np.ndarray) -> None:
        """New states (distinct, absent so far), numbered from `n` on."""
        n, m = self.n, len(word)
        self.keys.add(word, extra, np.arange(n, n + m))
        self.words.append(word)
        self.extras.append(extra if extra is not None else np.zeros(m, np.uint32))
        self.parent.append(parent)
        self.via.append(via)
        self.at_goal.append(np.zeros(m, dtype=bool))  # both set by `settle`
        self.good.append(np.zeros(m, dtype=bool))
        self.expanded.append(np.zeros(m, dtype=bool))
        self.slot.append(np.zeros(m, dtype=np.int32))
        self.adjacency.grow(m)

    def expand(self, ids: np.ndarray, stepped: Expanded) -> np.ndarray:
        """Expand states `ids` (not expanded yet) whose successors are `stepped`; the ids of those
        with an edge into a good state."""
        self.expanded.array[ids] = True
        source = ids[stepped.source]
        cw, cx = stepped.word, stepped.extra
        target = self.keys.find(cw, cx)
        unseen = np.flatnonzero(target < 0)
        firsts, inverse = first_occurrences(cw[unseen], None if cx is None else cx[unseen])
        n = self.n
        allowed = len(firsts) if self.max_states is None else max(0, min(len(firsts), self.max_states - n))
        self.capped |= allowed < len(firsts)
        target[unseen] = np.where(inverse < allowed, n + inverse, -1)
        kept = np.flatnonzero(target >= 0)
        source, target, action = source[kept], target[kept], stepped.action[kept]
        new = unseen[firsts[:allowed]]
        self.store(cw[new], None if cx is None else cx[new], source[np.searchsorted(kept, new)],
                   stepped.action[new])
        self.adjacency.add(source, target, action)
        self.transitions += len(kept)
        return source[self.good.array[target]]

    def chunk(self, ids: np.ndarray) -> Chunk:
        """States `ids` to expand (copied: the arrays may move)."""
        return Chunk(self.words.array[ids], self.extras.array[ids] if self.tables.packing.two_part else None, 0)

    def settle(self, since: int, shown: list[np.ndarray]) -> None:
        """Mark what reaches a goal state now: the goal states found from id `since` on, the states
        `shown` to have an edge into a good one, and what reaches those."""
        packing = self.tables.packing
        for at in range(since, self.n, GOAL_CHUNK):  # large parts: a decision-tree walk costs per call
            stop = min(self.n, at + GOAL_CHUNK)
            extra = self.extras.array[at:stop] if packing.two_part else None
            self.at_goal.array[at:stop] = self.goal(packing.unpack(self.words.array[at:stop], extra))
        new_goals = since + np.flatnonzero(self.at_goal.array[since:self.n])
        _spread(np.concatenate([*shown, new_goals]), self.good.array, self.adjacency.predecessors, self.slot.array)

    def open_states(self, starts: np.ndarray) -> np.ndarray:
        """The states still needed, not expanded yet: those the `starts` (not known good) lead to."""
        needed = np.zeros(self.n, dtype=bool)
        _spread(starts, needed, self.adjacency.successors, self.slot.array)
        return np.flatnonzero(needed & ~self.expanded.array)

    def exploration(self, complete: bool, stopped: str | None) -> PackedExploration:
        """The search as the analyses read it, its graph (every expanded state's edges) included."""
        n, packing = self.n, self.tables.packing
        self.adjacency.runs = []  # the in-edges: not read past the search, and as large as the CSR
        indptr, to, action = self.adjacency.csr(n)
        states = PackedStates(packing, self.words.array,
                              self.extras.array if packing.two_part else None)
        found = PackedExploration(self.model, self.tables, self.keys, states, IntColumn(self.parent.array),
                                  IntColumn(self.via.array), LevelDepths(np.array(self.bounds)),
                                  self.transitions, complete, {}, stopped, 0, self.symmetry, cut=True)
        found.keep_graph(array_graph(self.model, packing, to, action, indptr, None, []))
        return found


def _first_open(good: np.ndarray, lowest: int, starts: int) -> int:
    """The first start from `lowest` on that is not good (`starts` if none), scanning a part at a time."""
    for at in range(lowest, starts, GOAL_CHUNK):
        open_ = np.flatnonzero(~good[at:min(starts, at + GOAL_CHUNK)])
        if len(open_):
            return at + int(open_[0])
    return starts


def goal_search(model: CompiledModel, tables: Tables, word: np.ndarray, extra: np.ndarray | None,
                goal: Callable[[np.ndarray], np.ndarray], symmetry: object | None = None,
                max_states: int | None = None, deadline: Deadline | None = None, progress: Progress | None = None,
                phase: str = "", distinct: bool = False) -> tuple[PackedExploration, np.ndarray, np.ndarray]:
    """Search from the starts (packed keys `word`, `extra`) until each start is known to reach a state
    `goal` holds for (column-wise values -> bool), or the first start that cannot is known (its whole
    closure explored; the starts after it may be left open). Returns the
    search (its `graph()` holds the edges of every expanded state), each start's id in it, and the
    goal on every state found. `distinct`: the starts are canonical under `symmetry` and distinct
    already (a search's own states), so they are taken as they are."""
    run = GoalSearch(model, tables, goal, symmetry, max_states)
    if distinct:
        first = start_of = np.arange(len(word))
    else:
        if run.canonical is not None:
            word, extra = run.canonical(word, extra)
        first, start_of = first_occurrences(word, extra)
    starts = len(first)
    run.store(word[first], None if extra is None else extra[first], np.arange(starts), np.full(starts, -1))
    del word, extra, first
    run.bounds.append(run.n)
    run.settle(0, [])
    complete, stopped = True, None
    lowest = 0  # no start before it is open (a good start stays good)
    with ThreadPoolExecutor(max_workers=1) as pool:  # steps the next chunk while this one is visited
        while (lowest := _first_open(run.good.array, lowest, starts)) < starts:
            # The open starts before twice the first one's place only: once their closures are all
            # explored, the first of them is the first start that cannot reach a goal, and the starts
            # after it need no answer. The window widens as the first open start moves on.
            end = min(starts, 2 * lowest + WINDOW)
            window = lowest + np.flatnonzero(~run.good.array[lowest:end])
            todo = run.open_states(window)
            if not len(todo):
                break
            if deadline is not None and deadline.expired():
                complete, stopped = False, "max-seconds"
                break
            before = run.n
            size = max(FEW, min(chunk_size(run.n), -(-len(todo) // 4)))  # a few parts: stepped while visited
            parts = [todo[at:at + size] for at in range(0, len(todo), size)]
            steps = stepped_chunks(pool, map(run.chunk, parts), len(parts), tables, run.canonical, None, None)
            shown = [run.expand(ids, ex) for ids, (_, ex) in zip(parts, steps, strict=True)]
            if run.n > before:
                run.bounds.append(run.n)
            run.settle(before, shown)
            if progress is not None:
                progress(Status(phase, run.n, run.transitions, len(run.bounds) - 2, len(todo)))
    if run.capped:
        complete, stopped = False, "max-states"
    return run.exploration(complete, stopped), start_of, run.at_goal.array
