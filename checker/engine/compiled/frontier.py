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

from detachcheck.checker.engine.compiled.compile import CompiledModel
from detachcheck.checker.engine.compiled.pack import Packing


@dataclass(frozen=True)
class Move:
    """One action's writes, for states whose dispatch value is known: XOR masks into the packed key,
    constant where the guard leaves the written slot one possible change, else looked up per value."""

    index: int
    word_xor: int
    extra_xor: int
    word_writes: tuple[tuple[int, np.ndarray], ...]  # (slot, uint64 XOR mask per current value)
    extra_writes: tuple[tuple[int, np.ndarray], ...]  # (slot, uint32 XOR mask per current value)


@dataclass(frozen=True)
class Guard:
    """Actions of one dispatch row that share their guard (a step's outcomes usually do)."""

    checks: tuple[tuple[int, np.ndarray], ...]  # (slot, ok[value] as bool), the dispatch slot left out
    moves: tuple[Move, ...]


@dataclass(frozen=True)
class Tables:
    """The model's actions as numpy lookups, grouped by dispatch slot, value and guard."""

    packing: Packing
    groups: tuple[tuple[int, tuple[tuple[Guard, ...], ...]], ...]
    rank: np.ndarray
    """action index -> its place in dispatch order (the order a state tries its actions)."""
    actions: int


def _move(model: CompiledModel, packing: Packing, index: int, allowed: dict[int, frozenset[int]]) -> Move:
    word_xor = extra_xor = 0
    word_writes, extra_writes = [], []
    for slot, table in model.actions[index].writes:
        shift = packing.shifts[slot]
        values = allowed.get(slot, frozenset(range(len(table))))
        changes = {v ^ table[v] for v in values}
        if len(changes) == 1:
            if packing.in_extra[slot]:
                extra_xor ^= changes.pop() << shift
            else:
                word_xor ^= changes.pop() << shift
            continue
        xor = np.array([v ^ t for v, t in enumerate(table)], dtype=np.uint64) << np.uint64(shift)
        if packing.in_extra[slot]:
            extra_writes.append((slot, xor.astype(np.uint32)))
        else:
            word_writes.append((slot, xor))
    return Move(index, word_xor, extra_xor, tuple(word_writes), tuple(extra_writes))


def _row(model: CompiledModel, packing: Packing, key: int, value: int, row: tuple[int, ...],
         shared: dict[tuple[int, bytes], np.ndarray]) -> tuple[Guard, ...]:
    """A dispatch row's actions grouped by guard, for states whose dispatch slot holds `value`
    (equal check tables are one object, from `shared`, so a frontier step evaluates each once)."""
    guards: dict[tuple, list[Move]] = {}
    for i in row:
        checks = dict(model.actions[i].checks)
        allowed = dict(checks)
        if checks:  # guarded: the row only holds states with `value` at the dispatch slot
            allowed[key] = frozenset({value})
            checks.pop(key, None)
        guards.setdefault(tuple(sorted(checks.items(), key=lambda c: c[0])), []).append(
            _move(model, packing, i, allowed))
    out = []
    for checks, moves in guards.items():
        tables = []
        for slot, ok in checks:
            table = np.zeros(packing.sizes[slot], dtype=bool)
            table[list(ok)] = True
            tables.append((slot, shared.setdefault((slot, table.tobytes()), table)))
        tables.sort(key=lambda t: (t[1].mean(), t[0]))  # the check that lets fewest values through first
        out.append(Guard(tuple(tables), tuple(moves)))
    return tuple(out)


def tables_for(model: CompiledModel, packing: Packing) -> Tables:
    """Numpy tables for every action, in the model's dispatch grouping."""
    order: list[tuple[int, int]] = []
    groups = []
    shared: dict[tuple[int, bytes], np.ndarray] = {}
    for g, (key, rows) in enumerate(model.dispatch):
        order += [(g, i) for i in sorted({i for row in rows for i in row})]
        groups.append((key, tuple(_row(model, packing, key, v, row, shared) for v, row in enumerate(rows))))
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
        col = values[key]
        order = np.argsort(col, kind="stable")
        bounds = np.r_[0, np.cumsum(np.bincount(col, minlength=len(rows)))]
        for v, guards in enumerate(rows):
            if not guards or bounds[v] == bounds[v + 1]:
                continue
            idx = order[bounds[v]:bounds[v + 1]]
            columns: dict[int, np.ndarray] = {}

            def column(slot: int, idx: np.ndarray = idx, columns: dict[int, np.ndarray] = columns) -> np.ndarray:
                if slot not in columns:
                    columns[slot] = values[slot][idx]
                return columns[slot]

            held: dict[int, np.ndarray] = {}  # a guard's first check, by its table: where it holds in the row
            for guard in guards:
                pos = None  # where the guard holds, among idx (None: everywhere)
                for slot, ok in guard.checks:  # narrowing: each check only looks where the others held
                    if pos is None:
                        if id(ok) not in held:
                            held[id(ok)] = np.flatnonzero(ok[column(slot)])
                        pos = held[id(ok)]
                    else:
                        pos = pos[ok[values[slot][idx[pos]]]]
                    if not len(pos):
                        break
                if pos is not None and not len(pos):
                    continue
                sel = idx if pos is None else idx[pos]
                w = word[sel]
                x = extra[sel] if extra is not None else None
                for mv in guard.moves:
                    ww = w ^ np.uint64(mv.word_xor) if mv.word_xor else w
                    for slot, xor in mv.word_writes:
                        ww = ww ^ xor[column(slot) if pos is None else values[slot][sel]]
                    if x is not None:
                        xx = x ^ np.uint32(mv.extra_xor) if mv.extra_xor else x
                        for slot, xor in mv.extra_writes:
                            xx = xx ^ xor[column(slot) if pos is None else values[slot][sel]]
                        extras.append(xx)
                    sources.append(sel)
                    acts.append(np.full(len(sel), mv.index, dtype=np.int16))
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
