"""The frontier step: every successor of a whole frontier of packed states, with numpy.

`successors` is a pure function from a frontier (packed keys) to successor arrays: for each
action, the guard is an AND over its checked slots of a lookup `ok[value]`, and the writes are
XORs of per-value tables into the packed key. Actions are grouped by their dispatch slot (as in
`CompiledModel.dispatch`), so each action only looks at the states whose dispatch value it
allows. The result is in discovery order, exactly as the tuple explorer meets successors:
by source state, then by the action's place in dispatch order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detachcheck.checker.engine.compile import CompiledModel
from detachcheck.checker.engine.pack import Packing


@dataclass(frozen=True)
class ActionTable:
    """One compiled action as numpy lookups."""

    index: int
    checks: tuple[tuple[int, np.ndarray], ...]
    """(slot, ok[value] as bool) for every checked slot but the dispatch slot."""
    word_writes: tuple[tuple[int, np.ndarray], ...]
    """(slot, XOR mask into the word per current value, uint64)."""
    extra_writes: tuple[tuple[int, np.ndarray], ...]


@dataclass(frozen=True)
class Tables:
    """The model's actions as numpy lookups, grouped by dispatch slot and value."""

    packing: Packing
    groups: tuple[tuple[int, tuple[tuple[ActionTable, ...], ...]], ...]
    rank: np.ndarray
    """action index -> its place in dispatch order (the order a state tries its actions)."""
    actions: int


def _action_table(model: CompiledModel, packing: Packing, index: int, key: int | None) -> ActionTable:
    ca = model.actions[index]
    checks = []
    for slot, ok in ca.checks:
        if slot == key:
            continue
        table = np.zeros(packing.sizes[slot], dtype=bool)
        table[list(ok)] = True
        checks.append((slot, table))
    word_writes, extra_writes = [], []
    for slot, table in ca.writes:
        xor = np.array([v ^ t for v, t in enumerate(table)], dtype=np.uint64) << np.uint64(packing.shifts[slot])
        if packing.in_extra[slot]:
            extra_writes.append((slot, xor.astype(np.uint32)))
        else:
            word_writes.append((slot, xor))
    return ActionTable(index, tuple(checks), tuple(word_writes), tuple(extra_writes))


def tables_for(model: CompiledModel, packing: Packing) -> Tables:
    """Numpy tables for every action, in the model's dispatch grouping."""
    order: list[tuple[int, int]] = []
    groups = []
    for g, (key, rows) in enumerate(model.dispatch):
        members = sorted({i for row in rows for i in row})
        order += [(g, i) for i in members]
        guarded = {i for i in members if model.actions[i].checks}
        built = {i: _action_table(model, packing, i, key if i in guarded else None) for i in members}
        groups.append((key, tuple(tuple(built[i] for i in row) for row in rows)))
    rank = np.zeros(len(model.actions), dtype=np.int64)
    for r, (_, i) in enumerate(sorted(order)):
        rank[i] = r
    return Tables(packing, tuple(groups), rank, len(model.actions))


@dataclass
class Successors:
    """Every enabled (state, action) of a frontier, in discovery order."""

    source: np.ndarray  # position in the frontier (int64)
    action: np.ndarray  # action index (int32)
    word: np.ndarray
    extra: np.ndarray | None
    enabled: np.ndarray  # enabled actions per frontier state (int32)


def successors(tables: Tables, word: np.ndarray, extra: np.ndarray | None,
               values: np.ndarray | None = None) -> Successors:
    """The successors of frontier `(word, extra)`; `values` are its unpacked columns if at hand."""
    if values is None:
        values = tables.packing.unpack(word, extra)
    m = len(word)
    sources: list[np.ndarray] = []
    acts: list[np.ndarray] = []
    words: list[np.ndarray] = []
    extras: list[np.ndarray] = []
    for key, rows in tables.groups:
        col = values[key]
        order = np.argsort(col, kind="stable")
        bounds = np.r_[0, np.cumsum(np.bincount(col, minlength=len(rows)))]
        for v, row in enumerate(rows):
            if not row or bounds[v] == bounds[v + 1]:
                continue
            idx = order[bounds[v]:bounds[v + 1]]
            for at in row:
                sel = idx
                for slot, ok in at.checks:
                    sel = sel[ok[values[slot][sel]]]
                    if not len(sel):
                        break
                if not len(sel):
                    continue
                w = word[sel]
                for slot, xor in at.word_writes:
                    w = w ^ xor[values[slot][sel]]
                if extra is not None:
                    x = extra[sel]
                    for slot, xor in at.extra_writes:
                        x = x ^ xor[values[slot][sel]]
                    extras.append(x)
                sources.append(sel)
                acts.append(np.full(len(sel), at.index, dtype=np.int32))
                words.append(w)
    if not sources:
        empty = np.zeros(0, dtype=np.int64)
        return Successors(empty, empty.astype(np.int32), np.zeros(0, dtype=np.uint64),
                          np.zeros(0, dtype=np.uint32) if extra is not None else None, np.zeros(m, dtype=np.int32))
    source = np.concatenate(sources)
    action = np.concatenate(acts)
    order = np.argsort(source * tables.actions + tables.rank[action])
    source, action = source[order], action[order]
    out_word = np.concatenate(words)[order]
    out_extra = np.concatenate(extras)[order] if extra is not None else None
    enabled = np.bincount(source, minlength=m).astype(np.int32)
    return Successors(source, action, out_word, out_extra, enabled)
