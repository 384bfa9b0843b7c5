"""The frontier step: every successor of a whole frontier of packed states, with numpy.

`successors` is a pure function from a frontier (packed keys) to successor arrays. Actions are
grouped by their dispatch slot and value (as in `CompiledModel.dispatch`), so each action only
looks at the states whose dispatch value it allows; such a row is split further by slot values
while that narrows it, and at its leaves which actions a state enables is one AND of per-slot
bitmasks and the writes are XORs of per-value tables into the packed key (`rows.py`). The
result is in discovery order, exactly as the tuple explorer meets successors: by source state,
then by the action's place in dispatch order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from detachcheck.checker.engine.compiled.compile import CompiledModel
from detachcheck.checker.engine.compiled.pack import Packing
from detachcheck.checker.engine.compiled.rows import Group, Node, Row, RowBuilder, Split


@dataclass(frozen=True)
class Tables:
    """The model's actions as numpy lookups, grouped by dispatch slot and value."""

    packing: Packing
    groups: tuple[tuple[int, tuple[Node | None, ...]], ...]
    rank: np.ndarray
    """action index -> its place in dispatch order (the order a state tries its actions)."""
    actions: int


def tables_for(model: CompiledModel, packing: Packing) -> Tables:
    """Numpy tables for every action, in the model's dispatch grouping."""
    order: list[tuple[int, int]] = []
    groups = []
    builder = RowBuilder(model, packing)
    for g, (key, rows) in enumerate(model.dispatch):
        order += [(g, i) for i in sorted({i for row in rows for i in row})]
        groups.append((key, tuple(builder.tree(row, {key: v}) for v, row in enumerate(rows))))
    rank = np.zeros(len(model.actions), dtype=np.int64)
    for r, (_, i) in enumerate(sorted(order)):
        rank[i] = r
    return Tables(packing, tuple(groups), rank, len(model.actions))


@dataclass
class Successors:
    """Every enabled (state, action) of a frontier, in discovery order."""

    source: np.ndarray  # position in the frontier (int32)
    action: np.ndarray  # action index (int16)
    word: np.ndarray
    extra: np.ndarray | None
    enabled: np.ndarray  # enabled actions per frontier state (int32)


def _enabled(row: Row, values: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in `idx`, place in the row) of every action of `row` the states `idx` enable."""
    if not row.checks:
        n, a = len(idx), len(row.actions)
        return np.repeat(np.arange(n), a), np.tile(np.arange(a), n)
    mask = None
    for slot, table in row.checks:
        part = table[values[slot][idx]]
        mask = part if mask is None else np.bitwise_and(mask, part, out=mask)
    bits = np.unpackbits(mask.view(np.uint8), axis=1, count=len(row.actions), bitorder="little")
    return np.nonzero(bits)


def _leaves(node: Node | None, values: np.ndarray, idx: np.ndarray) -> Iterator[tuple[Row, np.ndarray]]:
    """Each leaf row the states `idx` go through, with those of them that reach it."""
    if node is None or not len(idx):
        return
    if isinstance(node, Row):
        yield node, idx
    elif isinstance(node, Group):
        for member in node.members:
            yield from _leaves(member, values, idx)
    else:
        col = values[node.slot][idx]
        order = idx[np.argsort(col, kind="stable")]
        bounds = np.zeros(len(node.parts) + 1, dtype=np.int64)  # not np.r_: this runs per node, per chunk
        np.cumsum(np.bincount(col, minlength=len(node.parts)), out=bounds[1:])
        for v, part in enumerate(node.parts):
            yield from _leaves(part, values, order[bounds[v]:bounds[v + 1]])


def successors(tables: Tables, word: np.ndarray, extra: np.ndarray | None,
               values: np.ndarray | None = None, ordered: bool = True) -> Successors:
    """The successors of frontier `(word, extra)`; `values` are its unpacked columns if at hand.
    Unless `ordered` is False, they come in discovery order (see `discovery_order`)."""
    if values is None:
        values = tables.packing.unpack(word, extra)
    m = len(word)
    sources: list[np.ndarray] = []
    acts: list[np.ndarray] = []
    words: list[np.ndarray] = []
    extras: list[np.ndarray] = []
    for key, rows in tables.groups:
        for node, idx in _leaves(Split(key, rows), values, np.arange(m)):
            at, k = _enabled(node, values, idx)
            if not len(at):
                continue
            sel = idx[at]
            ww = word[sel] ^ node.word_xor[k]
            for slot, xor in node.word_writes:
                ww ^= xor[k, values[slot][sel]]
            if extra is not None:
                xx = extra[sel] ^ node.extra_xor[k]
                for slot, xor in node.extra_writes:
                    xx ^= xor[k, values[slot][sel]]
                extras.append(xx)
            sources.append(sel)
            acts.append(node.actions[k])
            words.append(ww)
    if not sources:
        empty = np.zeros(0, dtype=np.int64)
        return Successors(empty.astype(np.int32), empty.astype(np.int16), np.zeros(0, dtype=np.uint64),
                          np.zeros(0, dtype=np.uint32) if extra is not None else None, np.zeros(m, dtype=np.int32))
    source = np.concatenate(sources).astype(np.int32)  # frontier positions: 4 bytes do
    action = np.concatenate(acts)
    out_word = np.concatenate(words)
    out_extra = np.concatenate(extras) if extra is not None else None
    enabled = np.bincount(source, minlength=m).astype(np.int32)
    if ordered:
        order = discovery_order(tables, source, action)
        source, action, out_word = source[order], action[order], out_word[order]
        out_extra = out_extra[order] if out_extra is not None else None
    return Successors(source, action, out_word, out_extra, enabled)


def discovery_order(tables: Tables, source: np.ndarray, action: np.ndarray) -> np.ndarray:
    """The permutation that puts successors in discovery order: by source, then dispatch rank."""
    return np.argsort(source.astype(np.int64) * tables.actions + tables.rank[action])
