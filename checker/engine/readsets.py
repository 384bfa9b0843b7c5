"""Predicates evaluated once per distinct projection of the states onto the slots they read.

A property is a plain Python predicate over a `View`. Evaluated through a `TracingView`, it
reveals the slots it reads; a deterministic predicate that read slot set R on state A gives the
same answer on any state that agrees with A on R. So a `Memo` keeps the union U of every slot
read so far, and caches results keyed by the states' values on U: a frontier is evaluated by
projecting it onto U (one integer code a state), evaluating the predicate once per code not yet
cached, and looking the answer up for the whole frontier. When an evaluation reads a slot
outside U, U grows, the cache (keyed on the old U) is dropped and the frontier is re-projected.
Nothing is declared: adding a property stays one decorated function.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from detachcheck.fsm.view import Layout, View

DENSE_LIMIT = 1 << 22
"""Projections with at most this many possible codes use a flat table instead of a dict."""


class TracingView(View):
    """A view that records the slot positions a predicate reads."""

    __slots__ = ("read",)

    def __init__(self, layout: Layout, values: tuple[int, ...]) -> None:
        super().__init__(layout, values)
        self.read: set[int] = set()

    def get(self, component: str, index: str | None = None) -> str:
        i = self._where[(component, index)]
        self.read.add(i)
        return self._names[i][self.values[i]]


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
        self.dense = np.zeros(space, dtype=self.dtype) if space <= DENSE_LIMIT else None
        self.known = np.zeros(space, dtype=bool) if space <= DENSE_LIMIT else None
        self.cache: dict[int, bool | int] = {}

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
        new = view.read.difference(self.slots)
        if new:
            self.slots.extend(sorted(new))
            self._reset()
            return result, True
        return result, False

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """The predicate on every state of column-wise `values` (slots x states)."""
        if values.shape[1] == 0:
            return np.zeros(0, dtype=self.dtype)
        while True:
            codes = self._codes(values)
            if self.dense is not None:
                todo = np.flatnonzero(~self.known[codes])
                if not len(todo):
                    return self.dense[codes]
                uniq, first = np.unique(codes[todo], return_index=True)
                grew = False
                for code, col in zip(uniq.tolist(), todo[first].tolist(), strict=True):
                    result, grew = self._run(values, col)
                    if grew:
                        break
                    self.dense[code] = result
                    self.known[code] = True
                if not grew:
                    return self.dense[codes]
                continue
            uniq, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
            out = np.empty(len(uniq), dtype=self.dtype)
            grew = False
            for k, (code, col) in enumerate(zip(uniq.tolist(), first.tolist(), strict=True)):
                if code in self.cache:
                    out[k] = self.cache[code]
                    continue
                result, grew = self._run(values, col)
                if grew:
                    break
                self.cache[code] = out[k] = result
            if not grew:
                return out[inverse]
