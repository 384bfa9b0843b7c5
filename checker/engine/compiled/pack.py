"""States packed into integers: each slot's value in its own few bits.

A state is one `uint64` word plus, when the slots need more than 64 bits, a small `extra`
integer (`uint32`) holding the slots that vary least (those no action writes first). Values are
kept column-wise while a frontier is worked on: `values[slot]` is a `uint8` array over the states.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detachcheck.checker.engine.compiled.compile import CompiledModel, State

EXTRA_BITS_MAX = 12
"""The extra part indexes the visited set's buckets directly: at most 4096 of them."""


def _width(n: int) -> int:
    return max(1, (n - 1).bit_length())


@dataclass(frozen=True)
class Packing:
    """Where each slot lives: in the word (`in_extra` False) or in the extra part, and at which shift."""

    sizes: tuple[int, ...]
    widths: tuple[int, ...]
    shifts: tuple[int, ...]
    in_extra: tuple[bool, ...]
    extra_bits: int

    @property
    def slots(self) -> int:
        return len(self.sizes)

    @property
    def two_part(self) -> bool:
        return self.extra_bits > 0

    def pack(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(word, extra) for column-wise `values` (slots x states, uint8)."""
        n = values.shape[1]
        word = np.zeros(n, dtype=np.uint64)
        extra = np.zeros(n, dtype=np.uint32) if self.two_part else None
        for slot in range(self.slots):
            col = values[slot]
            if self.in_extra[slot]:
                extra |= col.astype(np.uint32) << np.uint32(self.shifts[slot])
            else:
                word |= col.astype(np.uint64) << np.uint64(self.shifts[slot])
        return word, extra

    def unpack(self, word: np.ndarray, extra: np.ndarray | None) -> np.ndarray:
        """Column-wise values (slots x states, uint8) of packed states."""
        out = np.empty((self.slots, len(word)), dtype=np.uint8)
        for slot in range(self.slots):
            out[slot] = self.field(word, extra, slot)
        return out

    def field(self, word: np.ndarray, extra: np.ndarray | None, slot: int) -> np.ndarray:
        """One slot's values (uint8) over packed states."""
        mask = (1 << self.widths[slot]) - 1
        if self.in_extra[slot]:
            return ((extra >> np.uint32(self.shifts[slot])) & np.uint32(mask)).astype(np.uint8)
        return ((word >> np.uint64(self.shifts[slot])) & np.uint64(mask)).astype(np.uint8)

    def state(self, word: int, extra: int) -> State:
        """One packed state as the explorer's tuple of value indices."""
        out = []
        for slot in range(self.slots):
            part = extra if self.in_extra[slot] else word
            out.append((int(part) >> self.shifts[slot]) & ((1 << self.widths[slot]) - 1))
        return tuple(out)

    def pack_states(self, states: list[State] | tuple[State, ...]) -> tuple[np.ndarray, np.ndarray | None]:
        """Pack tuples of value indices."""
        values = np.array(states, dtype=np.uint8).reshape(len(states), self.slots).T.copy()
        return self.pack(values)


def packing_for(model: CompiledModel) -> Packing:
    """Bit fields for every slot; slots beyond 64 bits go to the extra part, unwritten slots first."""
    sizes = tuple(len(s.values) for s in model.system.slots)
    widths = tuple(_width(n) for n in sizes)
    written = {slot for a in model.actions for slot, _ in a.writes}
    in_extra = [False] * len(sizes)
    overflow = sum(widths) - 64
    # Least varying first: never written, then instance-wide slots (first in slot order).
    for slot in sorted(range(len(sizes)), key=lambda s: (s in written, s)):
        if overflow <= 0:
            break
        in_extra[slot] = True
        overflow -= widths[slot]
    shifts = [0] * len(sizes)
    word_at = extra_at = 0
    for slot, width in enumerate(widths):
        if in_extra[slot]:
            shifts[slot], extra_at = extra_at, extra_at + width
        else:
            shifts[slot], word_at = word_at, word_at + width
    if extra_at > EXTRA_BITS_MAX:
        raise ValueError(f"states need {sum(widths)} bits: more than 64 + {EXTRA_BITS_MAX} cannot be packed")
    return Packing(sizes, widths, tuple(shifts), tuple(in_extra), extra_at)
