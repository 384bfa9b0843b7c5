"""The result of a frontier search, readable like the tuple explorer's `Exploration`.

States stay packed; `states[i]` decodes one lazily. `parent`, `via` and `depth` give Python ints,
so report code written for `Exploration` reads this unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat
from typing import TYPE_CHECKING

import numpy as np

from detachcheck.checker.engine.compiled.compile import CompiledModel, State
from detachcheck.checker.engine.compiled.frontier import Tables
from detachcheck.checker.engine.compiled.pack import Packing
from detachcheck.checker.engine.searches.explore import ParentLinks
from detachcheck.checker.engine.searches.keyset import KeySet

if TYPE_CHECKING:
    from detachcheck.checker.engine.graphs.graph import ArrayGraph

CHUNK = 1 << 16


class IntColumn(Sequence[int]):
    """A read-only numpy column seen as a sequence of Python ints."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, i: int) -> int:  # type: ignore[override]
        return int(self.array[i])

    def __iter__(self) -> Iterator[int]:
        for start in range(0, len(self.array), CHUNK):
            yield from self.array[start:start + CHUNK].tolist()


class GrowingArray:
    """A 1-D array appended to in place. Each append reallocates it to the exact new length; for a
    large array the C library's realloc remaps its pages instead of copying them, so appending
    never holds two copies and the resident memory stays what is stored. No view of `array` may be
    kept across an append (it may move)."""

    def __init__(self, dtype: type) -> None:
        self.array = np.zeros(0, dtype=dtype)

    def __len__(self) -> int:
        return len(self.array)

    def append(self, values: np.ndarray) -> None:
        n = len(self.array)
        self.array.resize(n + len(values), refcheck=False)
        self.array[n:] = values


class LevelDepths(Sequence[int]):
    """A state's depth, from the level boundaries (ids of a level are contiguous)."""

    def __init__(self, bounds: np.ndarray) -> None:
        self.bounds = bounds  # bounds[d] = first id of depth d; bounds[-1] = number of states

    def __len__(self) -> int:
        return int(self.bounds[-1])

    def __getitem__(self, i: int) -> int:  # type: ignore[override]
        if not 0 <= i < len(self):
            raise IndexError(i)
        return int(np.searchsorted(self.bounds, i, side="right")) - 1

    def __iter__(self) -> Iterator[int]:
        return chain.from_iterable(repeat(d, int(count)) for d, count in enumerate(np.diff(self.bounds)))

    def array(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.bounds) - 1, dtype=np.int32), np.diff(self.bounds))


class PackedStates(Sequence[State]):
    """States by id, decoded on demand."""

    def __init__(self, packing: Packing, word: np.ndarray, extra: np.ndarray | None) -> None:
        self.packing = packing
        self.word = word
        self.extra = extra

    def __len__(self) -> int:
        return len(self.word)

    def __getitem__(self, i: int) -> State:  # type: ignore[override]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return self.packing.state(int(self.word[i]), 0 if self.extra is None else int(self.extra[i]))

    def __iter__(self) -> Iterator[State]:
        for start in range(0, len(self), CHUNK):
            yield from map(tuple, self.values(start, start + CHUNK).T.tolist())

    def values(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Column-wise values (slots x states) of ids start..stop."""
        stop = len(self) if stop is None else stop
        extra = None if self.extra is None else self.extra[start:stop]
        return self.packing.unpack(self.word[start:stop], extra)


@dataclass
class PackedExploration(ParentLinks):
    """What a frontier search found; the same reading interface as `Exploration`."""

    model: CompiledModel
    tables: Tables
    keys: KeySet
    states: PackedStates
    parent: IntColumn
    via: IntColumn
    depth: LevelDepths
    transitions: int
    complete: bool
    found: dict[str, int] = field(default_factory=dict)
    stopped: str | None = None
    """Why an incomplete search stopped: "max-states", "max-seconds", or "found" (its goals all found)."""
    depth_completed: int = 0
    """Every state at this depth or less has been expanded."""
    symmetry: object | None = None
    """The `Symmetry` the search was reduced by (states are then canonical representatives)."""
    cut: bool = False
    """Some states were left unexpanded on purpose (`search(..., stop=)`): only a recorded graph is right."""
    _graph: object | None = None
    _taken: set[tuple[int, tuple[int, ...]]] | None = None

    def graph(self) -> ArrayGraph:
        """The explored graph as arrays (built once, on first use)."""
        from detachcheck.checker.engine.graphs.graph import successor_graph  # graph.py reads this module

        if self._graph is None:
            assert not self.cut, "a search cut by `stop` has only the graph it recorded"
            self._graph = successor_graph(self)
            self._taken = self._graph.taken
        return self._graph  # type: ignore[return-value]

    def keep_graph(self, graph: ArrayGraph) -> None:
        """The graph recorded during the search (`search(..., edges=True)`)."""
        self._graph = graph
        self._taken = graph.taken

    def drop_graph(self) -> None:
        """Free the graph's arrays once the analyses are done (what coverage needs is kept)."""
        self._graph = None

    def taken(self) -> set[tuple[int, tuple[int, ...]]]:
        """(action, values of the slots it fires) for every action enabled in an explored state."""
        if self._taken is None:
            self.graph()
        return self._taken  # type: ignore[return-value]

    @property
    def packing(self) -> Packing:
        return self.tables.packing

    def ids_of(self, word: np.ndarray, extra: np.ndarray | None) -> np.ndarray:
        """State id of each packed key, -1 where not explored."""
        return self.keys.find(word, extra)
