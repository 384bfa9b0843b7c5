"""Predicates evaluated once per distinct projection of the states onto the slots they read.

A property is a plain Python predicate over a `View`. Evaluated through a `TracingView`, it
reveals the slots it reads; a deterministic predicate that read slot set R on state A gives the
same answer on any state that agrees with A on R. So a `Memo` keeps the union U of every slot
read so far, and caches results keyed by the states' values on U: a frontier is evaluated by
projecting it onto U (one integer code a state), evaluating the predicate once per code not yet
cached, and looking the answer up for the whole frontier. When an evaluation reads a slot
outside U, U grows, the cache (keyed on the old U) is dropped and the frontier is re-projected.
Nothing is declared: adding a property stays one decorated function.

When U grows so large that a flat table over it would not fit (a predicate that reads much of
the state on some branch, like `recoverable`), the memo switches to the finer form of the same
idea: a deterministic predicate reads its slots in an order that depends only on the values read
so far, so its evaluations form a decision tree over slots. The tree is grown from traced
evaluations (one per new branch) and walked for the whole frontier at once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from detachcheck.fsm.view import Layout, View

DENSE_LIMIT = 1 << 22
"""Projections with at most this many possible codes use a flat table instead of a dict."""


class TracingView(View):
    """A view that records the slot positions a predicate reads, in the order first read."""

    __slots__ = ("read",)

    def __init__(self, layout: Layout, values: tuple[int, ...]) -> None:
        super().__init__(layout, values)
        self.read: dict[int, None] = {}

    def get(self, component: str, index: str | None = None) -> str:
        i = self._where[(component, index)]
        self.read[i] = None
        return self._names[i][self.values[i]]


class DecisionTree:
    """A deterministic predicate as the tree of its traced evaluations, held as tables: node k
    reads slot `slot[k]` (-1: a leaf, whose answer is `result[k]`), and `child[k, v]` is the node
    reached when that slot holds v (-1: not grown yet). The root is node 0."""

    def __init__(self, layout: Layout, predicate: Callable[[View], bool | int], dtype: type) -> None:
        self.layout = layout
        self.predicate = predicate
        self.dtype = dtype
        self.evaluations = 0
        self.nodes = 0
        self.slot = np.zeros(16, dtype=np.int64)
        self.result = np.zeros(16, dtype=dtype)
        self.child = np.full((16, max(len(v) for v in layout.names)), -1, dtype=np.int32)

    def _node(self, slot: int, result: bool | int) -> int:
        k = self.nodes
        if k == len(self.slot):  # room doubled
            self.slot = np.resize(self.slot, 2 * k)
            self.result = np.resize(self.result, 2 * k)
            self.child = np.concatenate([self.child, np.full_like(self.child, -1)])
        self.slot[k], self.result[k] = slot, result
        self.nodes += 1
        return k

    def _grow(self, values: np.ndarray, column: int) -> None:
        """The branch of the state in `column`, from one traced evaluation."""
        state = tuple(values[:, column].tolist())
        view = TracingView(self.layout, state)
        result = self.dtype(self.predicate(view))
        self.evaluations += 1
        reads = list(view.read)
        if not self.nodes:
            self._node(reads[0] if reads else -1, result)
        node = 0
        for k, slot in enumerate(reads):
            assert self.slot[node] == slot, "predicate is not deterministic"
            nxt = int(self.child[node, state[slot]])
            if nxt < 0:
                nxt = self._node(-1 if k == len(reads) - 1 else reads[k + 1], result)
                self.child[node, state[slot]] = nxt
            node = nxt
        assert self.slot[node] == -1, "predicate is not deterministic"

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """The predicate on every state: all walk the tree together, a level at a time."""
        m = values.shape[1]
        out = np.zeros(m, dtype=self.dtype)
        if m == 0:
            return out
        if not self.nodes:
            self._grow(values, 0)
        idx = np.arange(m, dtype=np.int64)  # the states still walking, and where they are
        node = np.zeros(m, dtype=np.int64)
        while len(idx):
            slot = self.slot[node]
            leaf = slot < 0
            if leaf.any():
                out[idx[leaf]] = self.result[node[leaf]]
                idx, node, slot = idx[~leaf], node[~leaf], slot[~leaf]
            value = values[slot, idx]
            nxt = self.child[node, value]
            missing = np.flatnonzero(nxt < 0)
            if len(missing):  # grow one branch per (node, value) not met yet, then walk on
                _, first = np.unique(node[missing] * self.child.shape[1] + value[missing], return_index=True)
                for col in idx[missing[first]].tolist():
                    self._grow(values, col)
                nxt = self.child[node, value]
            node = nxt.astype(np.int64)
        return out


class Memo:
    """One predicate (or integer score), memoised on the projection onto the slots it has read."""

    def __init__(self, layout: Layout, predicate: Callable[[View], bool | int], dtype: type = bool) -> None:
        self.layout = layout
        self.predicate = predicate
        self.sizes = [len(v) for v in layout.names]
        self.slots: list[int] = []
        self.dtype = dtype
        self.evaluations = 0
        self._reset()

    def _reset(self) -> None:
        space = 1
        for s in self.slots:
            space *= self.sizes[s]
        small = space <= DENSE_LIMIT
        self.dense = np.zeros(space if small else 0, dtype=self.dtype)
        self.known = np.zeros(space if small else 0, dtype=bool)
        self.tree = None if space <= DENSE_LIMIT else DecisionTree(self.layout, self.predicate, self.dtype)

    def _codes(self, values: np.ndarray) -> np.ndarray:
        code = np.zeros(values.shape[1], dtype=np.int64)
        for s in self.slots:
            code *= self.sizes[s]
            code += values[s]
        return code

    def _run(self, values: np.ndarray, column: int) -> tuple[bool | int, bool]:
        """(result, whether the union of slots read grew) for one state."""
        view = TracingView(self.layout, tuple(values[:, column].tolist()))
        result = self.dtype(self.predicate(view))
        self.evaluations += 1
        new = set(view.read).difference(self.slots)
        if new:
            self.slots.extend(sorted(new))
            self._reset()
            return result, True
        return result, False

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """The predicate on every state of column-wise `values` (slots x states)."""
        if values.shape[1] == 0:
            return np.zeros(0, dtype=self.dtype)
        while self.tree is None:
            codes = self._codes(values)
            todo = np.flatnonzero(~self.known[codes])
            if not len(todo):
                return self.dense[codes]
            uniq, first = np.unique(codes[todo], return_index=True)
            grew = False
            for code, col in zip(uniq.tolist(), todo[first].tolist(), strict=True):
                result, grew = self._run(values, col)
                if grew:
                    break  # the projection changed: project again
                self.dense[code] = result
                self.known[code] = True
            if not grew:
                return self.dense[codes]
        return self.tree(values)
