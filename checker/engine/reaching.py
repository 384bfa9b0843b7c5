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
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

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


class Edges:
    """Edges as they are found (source, target, action), in any order of sources."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, source: np.ndarray, target: np.ndarray, action: np.ndarray) -> None:
        self.parts.append((source.astype(np.int32), target.astype(np.int32), action.astype(np.int16)))
        if len(self.parts) > 8:  # fewer, larger parts: concatenating for every reachability pass is cheaper
            self.parts = [self.columns()]

    def columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.parts:
            return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int16)
        return tuple(np.concatenate(c) for c in zip(*self.parts, strict=True))  # type: ignore[return-value]


def _reach(n: int, frm: np.ndarray, to: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """Which of the n states the edges frm -> to lead to from `sources` (a bool per state)."""
    out = np.zeros(n, dtype=bool)
    if not len(sources):
        return out
    hub = np.full(len(sources), n, dtype=np.int32)  # one extra node with an edge to every source
    rows, cols = np.concatenate([frm, hub]), np.concatenate([to, sources.astype(np.int32)])
    matrix = csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n + 1, n + 1))
    order = breadth_first_order(matrix, n, directed=True, return_predecessors=False)
    out[order[order < n]] = True
    return out


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
    edges = Edges()
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
        edges.add(source[kept], target[kept], succ.action[kept])
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
        del succ, cw, cx, target, unseen, firsts, inverse, new, nw, nx, source, kept
        frm, to, _ = edges.columns()
        good = _reach(n, to, frm, np.flatnonzero(at_goal.view()))  # reverse: what reaches a goal state
        needed = _reach(n, frm, to, np.flatnonzero(~good[:starts]))
        todo = np.flatnonzero(needed & ~expanded.view())
        if progress is not None:
            progress(Status(phase, n, transitions, len(bounds) - 2, len(todo)))
        if len(todo) and deadline is not None and deadline.expired():
            complete, stopped = False, "max-seconds"
            break
    frm, to, action = edges.columns()
    order = np.argsort(frm, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(frm, minlength=n), out=indptr[1:])
    graph = array_graph(model, packing, to[order], action[order], indptr, None, [])
    states = PackedStates(packing, words.view().copy(), extras.view().copy() if packing.two_part else None)
    found = PackedExploration(model, tables, keys, states, IntColumn(parent.view().copy()),
                              IntColumn(via.view().copy()), LevelDepths(np.array(bounds)), transitions, complete,
                              {}, stopped, 0, symmetry, cut=True)
    found.keep_graph(graph)
    return found, graph, start_of
