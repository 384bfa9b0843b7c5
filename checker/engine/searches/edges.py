"""The explored graph's edges, recorded during the search (no successor computed twice).

Each expanded level hands over its successors with their target ids (the visited set's, or the
ids the level's new states get); `Edges` keeps those between stored states, each source's row in
discovery order, and builds the `graph.ArrayGraph` the analyses read once the search is done.
"""

from __future__ import annotations

import numpy as np

from detachcheck.checker.engine.compiled.compile import CompiledModel
from detachcheck.checker.engine.compiled.frontier import Tables
from detachcheck.checker.engine.graphs.graph import ArrayGraph, array_graph, fire_masks, fired_keys
from detachcheck.checker.engine.searches.packed import GrowingArray


class Edges:
    """The edges of a search, a chunk of a level at a time."""

    def __init__(self, model: CompiledModel, tables: Tables, symmetry: object | None) -> None:
        self.model = model
        self.tables = tables
        self.masks = fire_masks(model, tables.packing)
        self.moving = symmetry is not None and bool(getattr(symmetry, "requests", False))
        self.symmetry = symmetry
        self.rows = GrowingArray(np.int32)  # edges per state, in id order
        self.targets = GrowingArray(np.int32)  # per edge, rows in id order, each row in discovery order
        self.actions = GrowingArray(np.int16)
        self.moves = GrowingArray(np.uint8)
        self.fired_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def canonical(self, word: np.ndarray, extra: np.ndarray | None) -> tuple[
            np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Successors' canonical keys, and under request symmetry where each one's requests went
        (`Symmetry.request_moves`, which the liveness analysis reads; it works in bounded chunks)."""
        sym = self.symmetry
        if sym is None:
            return word, extra, None
        if not self.moving:
            return (*sym.canonical(word, extra), None)  # type: ignore[attr-defined]
        return sym.request_moves(word, extra)  # type: ignore[attr-defined]

    def fired(self, action: np.ndarray, word: np.ndarray, extra: np.ndarray | None) -> tuple[
            np.ndarray, np.ndarray, np.ndarray]:
        """What some edges (their actions, their sources' keys) tell coverage (`graph.fired_keys`)."""
        return fired_keys(self.masks, action, word, extra)

    def level(self, size: int, order: np.ndarray, source: np.ndarray, action: np.ndarray, target: np.ndarray,
              move: np.ndarray | None, fired: tuple[np.ndarray, np.ndarray, np.ndarray] | None) -> None:
        """`size` states expanded: each successor's source position among them, action and target id
        (-1: not stored), in `order` of discovery (`frontier.discovery_order`), and what they tell
        coverage (`fired`)."""
        keep = order[target[order] >= 0]
        src, act = source[keep], action[keep]
        self.rows.append(np.bincount(src, minlength=size))
        self.targets.append(target[keep])
        self.actions.append(act)
        if move is not None:
            self.moves.append(move[keep])
        if fired is not None:
            self.fired_parts.append(fired)

    def graph(self) -> ArrayGraph:
        """The recorded edges as the analyses' arrays (handed over, not copied)."""
        indptr = np.zeros(len(self.rows) + 1, dtype=np.int64)
        np.cumsum(self.rows.array, out=indptr[1:])
        target, action = self.targets.array, self.actions.array
        moves = self.moves.array if self.moving else None
        self.rows, self.targets = GrowingArray(np.int32), GrowingArray(np.int32)  # released to the graph
        self.actions, self.moves = GrowingArray(np.int16), GrowingArray(np.uint8)
        return array_graph(self.model, self.tables.packing, target, action, indptr, moves, self.fired_parts)
