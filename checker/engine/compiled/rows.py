"""The frontier step's action tables: each dispatch row as a small decision tree of bitmask rows.

A dispatch row (`CompiledModel.dispatch`: the actions whose dispatch slot allows one value) can
hold hundreds of actions, most of which a given state disables. Such a row is dispatched again
as the model is: each action goes with its most selective slot among those not yet known, each
such set is split by that slot's value (`Split`), the sets together a `Group`, recursively. At
the leaves (`Row`), which actions a state enables is one AND of per-slot bitmasks, and
successors are XORs into the packed key.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detachcheck.checker.engine.compiled.compile import CompiledModel
from detachcheck.checker.engine.compiled.pack import Packing

WORD = np.dtype("<u8")
"""Guard bitmasks: little-endian words, so that their bytes unpack in the row's action order."""
SPLIT_ABOVE = 16
"""Rows with more actions than this are split by slot values (`Group`, `Split`)."""
SHARED = 0.25
"""A row is split by one slot when that bars a third of its actions on average and at most this
share of them do not check it (they go into every part); else its actions are grouped."""
MIN_SPLIT = 4
"""Fewer actions than this narrowed by one slot stay in the row of the actions nothing narrows."""
SPLIT_DEPTH = 6
"""Slots a row is split by, at most, below its dispatch slot."""


@dataclass(frozen=True)
class Row:
    """Actions for the states that reach this leaf. Which of them a state enables: an AND over the
    checked slots of a bitmask looked up by the slot's value (bit k: the k-th action allows it).
    A successor's key: the state's XOR a per-action constant XOR per-(action, value) masks for the
    writes whose change depends on the value (the others are constant where the guard lets one
    value through, or where the leaf's states all hold one)."""

    actions: np.ndarray  # the row's action indices (int16)
    checks: tuple[tuple[int, np.ndarray], ...]  # (slot, [value, word] bitmask of the actions allowing it)
    word_xor: np.ndarray  # uint64 per action
    extra_xor: np.ndarray  # uint32 per action
    word_writes: tuple[tuple[int, np.ndarray], ...]  # (slot, [action, value] uint64 XOR mask)
    extra_writes: tuple[tuple[int, np.ndarray], ...]  # (slot, [action, value] uint32 XOR mask)


@dataclass(frozen=True)
class Split:
    """States split by one slot's value, each part with the actions that allow that value."""

    slot: int
    parts: tuple[Node | None, ...]


@dataclass(frozen=True)
class Group:
    """A row's actions in disjoint sets, each split by the slot that narrows it most (and the
    actions no slot narrows, in one row): a state goes through every member."""

    members: tuple[Node, ...]


Node = Row | Split | Group


class RowBuilder:
    """Builds the trees of one model: each action's guard as a row of `allow` (bool per slot value)."""

    def __init__(self, model: CompiledModel, packing: Packing) -> None:
        self.model = model
        self.packing = packing
        self.sizes = np.array(packing.sizes)
        self.offsets = np.r_[0, np.cumsum(self.sizes)]
        self.allow = np.ones((len(model.actions), int(self.offsets[-1])), dtype=bool)
        for i, action in enumerate(model.actions):
            for slot, ok in action.checks:
                block = self.allow[i, self.offsets[slot]:self.offsets[slot + 1]]
                block[:] = False
                block[list(ok)] = True
        # per action and slot: bars some value (guarded there); writes it
        self.guarded = np.logical_and.reduceat(self.allow, self.offsets[:-1], axis=1) == 0
        self.written = np.zeros((len(model.actions), packing.slots), dtype=bool)
        for i, action in enumerate(model.actions):
            self.written[i, [slot for slot, _ in action.writes]] = True
        self.writes: dict[tuple, tuple[int, int, dict[int, np.ndarray]]] = {}
        self.built: dict[tuple, Node] = {}

    def tree(self, row: tuple[int, ...], fixed: dict[int, int], depth: int = 0) -> Node | None:
        """The tables of `row` for the states whose slots in `fixed` hold those values."""
        if not row:
            return None
        ids = np.array(row)
        guarded, written = self.guarded[ids].any(axis=0), self.written[ids].any(axis=0)
        fixed = {s: v for s, v in fixed.items() if guarded[s] or written[s]}
        # The node depends on which guarded slots are known (every action here allows the value),
        # and on the known values of written slots (they fold writes into constants): nodes alike
        # in both are shared, so that a slot whose values all keep the same actions costs nothing.
        key = (row, depth, tuple(s for s in sorted(fixed) if guarded[s]),
               tuple((s, v) for s, v in sorted(fixed.items()) if written[s]))
        if key not in self.built:
            self.built[key] = self._node(ids, fixed, depth)
        return self.built[key]

    def _node(self, ids: np.ndarray, fixed: dict[int, int], depth: int) -> Node:
        if len(ids) <= SPLIT_ABOVE or depth >= SPLIT_DEPTH:
            return self._row(ids, fixed)
        share = np.add.reduceat(self.allow[ids], self.offsets[:-1], axis=1) / self.sizes  # actions x slots
        share[:, list(fixed)] = 1.0
        barred = (1.0 - share).sum(axis=0)  # per slot, the actions its value bars, on average
        slot = int(np.argmax(barred))
        if barred[slot] >= len(ids) / 3 and (~self.guarded[ids, slot]).sum() <= len(ids) * SHARED:
            return self._split(ids, slot, fixed, depth)
        # Else each action goes with its most selective slot not yet known (as `CompiledModel.dispatch`).
        share[~self.guarded[ids]] = 2.0
        best = np.argmin(share, axis=1)
        best[share[np.arange(len(ids)), best] >= 1.0] = -1  # nothing narrows it
        members: list[Node] = []
        rest = list(ids[best < 0].tolist())
        for slot in np.unique(best[best >= 0]).tolist():
            cluster = ids[best == slot]
            if len(cluster) < MIN_SPLIT:
                rest += cluster.tolist()
                continue
            members.append(self._split(cluster, slot, fixed, depth))
        if rest:
            members.append(self._row(np.array(sorted(rest)), fixed))
        return members[0] if len(members) == 1 else Group(tuple(members))

    def _split(self, ids: np.ndarray, slot: int, fixed: dict[int, int], depth: int) -> Split:
        parts = tuple(self.tree(tuple(ids[self.allow[ids, self.offsets[slot] + v]].tolist()), {**fixed, slot: v},
                                depth + 1) for v in range(self.packing.sizes[slot]))
        return Split(slot, parts)

    def _row(self, ids: np.ndarray, fixed: dict[int, int]) -> Row:
        words = (len(ids) + 63) // 64
        checks = []
        slots = np.flatnonzero(self.guarded[ids].any(axis=0))
        for slot in slots.tolist():
            if slot in fixed:  # the leaf's states all hold a value every action here allows
                continue
            block = self.allow[ids, self.offsets[slot]:self.offsets[slot + 1]]  # actions x values
            packed = np.packbits(block.T, axis=1, bitorder="little")  # values x bytes
            table = np.zeros((len(packed), words * 8), dtype=np.uint8)
            table[:, :packed.shape[1]] = packed
            checks.append((slot, table.view(WORD)))
        word_xor = np.zeros(len(ids), dtype=np.uint64)
        extra_xor = np.zeros(len(ids), dtype=np.uint32)
        varies: dict[int, list[tuple[int, np.ndarray]]] = {}
        for k, i in enumerate(ids.tolist()):
            wx, xx, varying = self._writes(i, fixed)
            word_xor[k], extra_xor[k] = wx, xx
            for slot, xor in varying.items():
                varies.setdefault(slot, []).append((k, xor))
        writes = {}
        for slot, found in varies.items():
            writes[slot] = np.zeros((len(ids), self.packing.sizes[slot]), dtype=np.uint64)
            writes[slot][[k for k, _ in found]] = [xor for _, xor in found]
        in_extra = self.packing.in_extra
        return Row(ids.astype(np.int16), tuple(checks), word_xor, extra_xor,
                   tuple((s, t) for s, t in sorted(writes.items()) if not in_extra[s]),
                   tuple((s, t.astype(np.uint32)) for s, t in sorted(writes.items()) if in_extra[s]))

    def _writes(self, index: int, fixed: dict[int, int]) -> tuple[int, int, dict[int, np.ndarray]]:
        """(word XOR, extra XOR, slot -> XOR per current value) of one action's writes: a write's
        change is a constant where the values its state may hold there all change the same way."""
        action = self.model.actions[index]
        key = (index, tuple((slot, fixed[slot]) for slot, _ in action.writes if slot in fixed))
        if key in self.writes:
            return self.writes[key]
        guard = dict(action.checks)
        packing = self.packing
        word_xor = extra_xor = 0
        varying = {}
        for slot, table in action.writes:
            shift = packing.shifts[slot]
            values = {fixed[slot]} if slot in fixed else guard.get(slot, range(len(table)))
            changes = {v ^ table[v] for v in values}
            if len(changes) == 1:
                if packing.in_extra[slot]:
                    extra_xor ^= changes.pop() << shift
                else:
                    word_xor ^= changes.pop() << shift
                continue
            varying[slot] = np.array([v ^ t for v, t in enumerate(table)], dtype=np.uint64) << np.uint64(shift)
        self.writes[key] = word_xor, extra_xor, varying
        return self.writes[key]
