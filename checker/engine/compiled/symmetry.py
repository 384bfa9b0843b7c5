"""Symmetry reduction: data volumes are interchangeable, and so are requests.

A permutation of the data volumes moves their slot blocks and renames the `request[q].volume`
values that name them; a permutation of the requests moves their (request, target) blocks and
renames the lock's `held by request q`. `Symmetry.verify` checks on the compiled tables that each
such permutation maps every action to an action and the initial states onto themselves, so the
reduction is exact for properties that treat volumes and requests alike (every registered one
does: they quantify over `s.volumes` / `s.requests`; `tests/test_symmetry.py` checks it).

The canonical representative of a state, computed for a whole frontier at once:
1. data volumes sorted by (their slot block, the sorted multiset of (request state, holds the
   lock) of the requests about them); volumes tied on both are interchangeable together with those
   requests, so the order among them does not matter once step 2 has run;
2. requests sorted by (request state, renamed target, does not hold the lock); tied requests are
   identical and hold no lock.
The result is a function of the orbit and one of its members. With `requests=False` only step 1
runs, with the requests kept in place (volumes then sorted by block and by which requests are
about them): that is the volume-only reduction used for liveness (see `run.py`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from detachcheck.checker.engine.compiled.compile import CompiledModel, State
from detachcheck.checker.engine.compiled.pack import Packing
from detachcheck.fsm.lock import held_by

CHUNK = 1 << 16
"""States canonicalised at once."""


class NotSymmetric(Exception):
    """A permutation of volumes or requests is not an automorphism of the compiled model."""


@dataclass(frozen=True)
class Layout:
    """Slot positions of the permuted blocks."""

    volume_blocks: tuple[tuple[int, ...], ...]  # per data volume, its slots in block order
    request_slots: tuple[int, ...]
    target_slots: tuple[int, ...]
    lock_slot: int | None
    target_of_volume: tuple[int, ...]  # target value index naming data volume i
    lock_of_request: tuple[int, ...]  # lock value index 'held by request q'


def symmetry_layout(model: CompiledModel) -> Layout:
    system = model.system
    slots = system.slots
    blocks = tuple(tuple(i for i, s in enumerate(slots) if s.index == v and s.component not in ("request", "target"))
                   for v in system.data_volume_ids)
    requests = tuple(system.slot_index("request", q) for q in system.request_ids)
    targets = tuple(system.slot_index("target", q) for q in system.request_ids)
    lock = next((i for i, s in enumerate(slots) if s.component == "lock"), None)
    target_values = slots[targets[0]].values if targets else ()
    target_of_volume = tuple(target_values.index(v) for v in system.data_volume_ids) if targets else ()
    lock_of_request = tuple(slots[lock].values.index(held_by(q)) for q in system.request_ids) \
        if lock is not None else ()
    return Layout(blocks, requests, targets, lock, target_of_volume, lock_of_request)


def _ranks(keys: list[np.ndarray]) -> list[np.ndarray]:
    """Per state, the place of each row once sorted by key (ties kept in row order): pairwise
    comparisons, cheap for the two or three rows there are."""
    ranks = []
    for i, ki in enumerate(keys):
        rank = np.zeros(len(ki), dtype=np.int64)
        for j, kj in enumerate(keys):
            if j != i:
                rank += (kj < ki) if j > i else (kj <= ki)
        ranks.append(rank)
    return ranks


def _in_order(keys: np.ndarray) -> np.ndarray:
    """Per state, whether its rows' keys (rows x states) are already sorted: every rank is its row."""
    ok = np.ones(keys.shape[1], dtype=bool)
    for i in range(len(keys) - 1):
        ok &= keys[i] <= keys[i + 1]
    return ok


def _sorted_small(rows: list[np.ndarray]) -> list[np.ndarray]:
    """Rows sorted elementwise (a sorting network by repeated min/max)."""
    rows = list(rows)
    for i in range(len(rows)):
        for j in range(len(rows) - 1 - i):
            lo, hi = np.minimum(rows[j], rows[j + 1]), np.maximum(rows[j], rows[j + 1])
            rows[j], rows[j + 1] = lo, hi
    return rows


def _gather(rows: np.ndarray, ranks: list[np.ndarray], k: int) -> np.ndarray:
    """Per state, the row (rows x ... x states) whose rank is k."""
    out = rows[0].copy()
    for i in range(1, len(rows)):
        np.copyto(out, rows[i], where=ranks[i] == k)
    return out


class Symmetry:
    """Canonical representatives under permutations of data volumes (and of requests)."""

    def __init__(self, model: CompiledModel, packing: Packing, requests: bool = True) -> None:
        self.model = model
        self.packing = packing
        self.requests = requests
        self.layout = lay = symmetry_layout(model)
        self.sizes = packing.sizes
        n_vol, n_req = len(lay.volume_blocks), len(lay.request_slots)
        self.group = [(pv, pr) for pv in itertools.permutations(range(n_vol))
                      for pr in (itertools.permutations(range(n_req)) if requests else [tuple(range(n_req))])]
        self._blocks = np.array(lay.volume_blocks, dtype=np.intp).reshape(n_vol, -1)
        self._radix = [np.array([self.sizes[block[j]] for block in lay.volume_blocks], dtype=np.int64)[:, None]
                       for j in range(self._blocks.shape[1])]
        self._fields = self._block_fields()

    def _block_fields(self) -> list[tuple[int, int, int, int, int, np.ndarray]] | None:
        """Per data volume, where its block lies in a packed key (word shift and mask, extra shift and
        mask, word bits) and a table from those bits to its block's code; None unless each volume's
        slots lie together in the word (and in the extra part) within 16 bits."""
        p = self.packing
        out = []
        for block in self.layout.volume_blocks:
            spans = []
            for in_extra in (False, True):
                slots = sorted((s for s in block if p.in_extra[s] == in_extra), key=lambda s: p.shifts[s])
                lo = p.shifts[slots[0]] if slots else 0
                if any(p.shifts[s] != lo + sum(p.widths[t] for t in slots[:k]) for k, s in enumerate(slots)):
                    return None
                spans.append((lo, sum(p.widths[s] for s in slots)))
            (wlo, wbits), (xlo, xbits) = spans
            if wbits + xbits > 16:
                return None
            raw = np.arange(1 << (wbits + xbits), dtype=np.int64)
            code = np.zeros_like(raw)
            for slot in block:
                at = wbits + p.shifts[slot] - xlo if p.in_extra[slot] else p.shifts[slot] - wlo
                code = code * self.sizes[slot] + ((raw >> at) & ((1 << p.widths[slot]) - 1))
            out.append((wlo, (1 << wbits) - 1, xlo, (1 << xbits) - 1, wbits, code))
        return out

    @property
    def trivial(self) -> bool:
        return len(self.group) == 1

    def same_canonical(self, other: Symmetry) -> bool:
        """Whether `other` gives every state the same canonical values (of another model, maybe)."""
        return (self.layout, self.requests, self.sizes) == (other.layout, other.requests, other.sizes)

    # -- whole frontiers ---------------------------------------------------------------------------
    def canonical(self, word: np.ndarray, extra: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        """The canonical representative of each packed state."""
        w, x, _ = self._packed(word, extra)
        return w, x

    def canonical_values(self, values: np.ndarray) -> np.ndarray:
        """Canonical representatives of column-wise states (a new array)."""
        return self._canonical(values)[0]

    def request_moves(self, word: np.ndarray, extra: np.ndarray | None) -> tuple[
            np.ndarray, np.ndarray | None, np.ndarray]:
        """Canonical keys, and for each state where its requests went: code = sum of
        position(q) * n**q over requests q (n requests), 0-based positions."""
        w, x, ranks = self._packed(word, extra)
        n_req = len(self.layout.request_slots)
        code = np.zeros(len(word), dtype=np.int64)
        for q in range(n_req):
            code += (ranks[q] if ranks is not None else q) * n_req ** q
        return w, x, code.astype(np.uint8)

    def _packed(self, word: np.ndarray, extra: np.ndarray | None) -> tuple[
            np.ndarray, np.ndarray | None, list[np.ndarray] | None]:
        """Canonical keys and request ranks (None: requests stay), a chunk at a time. Most
        successors of canonical states are canonical: only the others are unpacked again and sorted."""
        if self.trivial or not len(word):
            return word, extra, None
        if len(word) > CHUNK:  # bounded transients: unpacked values and int64 sort keys per state
            parts = [self._packed(word[i:i + CHUNK], None if extra is None else extra[i:i + CHUNK])
                     for i in range(0, len(word), CHUNK)]
            ranks = None if parts[0][2] is None else [np.concatenate([r[q] for _, _, r in parts])  # type: ignore
                                                      for q in range(len(parts[0][2]))]
            return (np.concatenate([w for w, _, _ in parts]),
                    None if extra is None else np.concatenate([x for _, x, _ in parts]), ranks)  # type: ignore
        todo = np.flatnonzero(~self._in_order(word, extra))
        w, x = word.copy(), None if extra is None else extra.copy()
        ranks = None
        if self.requests and len(self.layout.request_slots) > 1:
            ranks = [np.full(len(word), q, dtype=np.int64) for q in range(len(self.layout.request_slots))]
        if len(todo):
            canon, sub = self._canonical(self.packing.unpack(word[todo], None if extra is None else extra[todo]))
            w[todo], xt = self.packing.pack(canon)
            if x is not None:
                x[todo] = xt
            for q, r in enumerate(sub or ()):
                ranks[q][todo] = r  # type: ignore[index]
        return w, x, ranks

    def _in_order(self, word: np.ndarray, extra: np.ndarray | None) -> np.ndarray:
        """Per packed state, whether it is its own canonical form: volumes and requests already sorted
        (ties keep their order, so the renamings are the identity). Read off the packed keys: the
        request, target and lock slots, and each volume's block code through its table."""
        lay, p = self.layout, self.packing
        if self._fields is None:
            values = p.unpack(word, extra)
            pcs, targets, holds = self._requests(values)
            code = self._block_codes(values)
        else:
            pcs = np.stack([p.field(word, extra, s) for s in lay.request_slots]) if lay.request_slots \
                else np.zeros((0, len(word)), dtype=np.uint8)
            targets = np.stack([p.field(word, extra, s) for s in lay.target_slots]) if lay.target_slots \
                else np.zeros((0, len(word)), dtype=np.uint8)
            holds = p.field(word, extra, lay.lock_slot) == np.asarray(lay.lock_of_request, dtype=np.uint8)[:, None] \
                if lay.lock_slot is not None else np.zeros(pcs.shape, dtype=bool)
            code = np.empty((len(lay.volume_blocks), len(word)), dtype=np.int64)
            for i, (wlo, wmask, xlo, xmask, wbits, table) in enumerate(self._fields):
                raw = (word >> np.uint64(wlo)) & np.uint64(wmask)
                if xmask:
                    raw |= ((extra >> np.uint32(xlo)) & np.uint32(xmask)).astype(np.uint64) << np.uint64(wbits)
                code[i] = table[raw]
        ok = _in_order(self._volume_keys(code, pcs, targets, holds)) if len(lay.volume_blocks) > 1 \
            else np.ones(len(word), dtype=bool)
        if self.requests and len(lay.request_slots) > 1:
            ok &= _in_order(self._request_keys(pcs, targets, holds))
        return ok

    def _requests(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(request states, targets, holds the lock), requests x states."""
        lay = self.layout
        pcs, targets = values[list(lay.request_slots)], values[list(lay.target_slots)]
        if lay.lock_slot is None:
            return pcs, targets, np.zeros(pcs.shape, dtype=bool)
        return pcs, targets, values[lay.lock_slot] == np.asarray(lay.lock_of_request, dtype=np.uint8)[:, None]

    def _block_codes(self, values: np.ndarray) -> np.ndarray:
        """Each data volume's slot block as one code (volumes x states): its slots' values, first
        slot most significant."""
        blocks = values[self._blocks]  # volumes x block slots x states
        code = np.zeros(blocks[:, 0].shape, dtype=np.int64)
        for j, radix in enumerate(self._radix):
            code *= radix
            code += blocks[:, j]
        return code

    def _volume_keys(self, code: np.ndarray, pcs: np.ndarray, targets: np.ndarray,
                     holds: np.ndarray) -> np.ndarray:
        """Each data volume's sort key (volumes x states): its block's `code` (extended in place), then
        the sorted multiset of (request state, holds the lock) of the requests about it (or, without
        request symmetry, which requests are about it)."""
        lay = self.layout
        about = targets[None, :, :] == np.asarray(lay.target_of_volume, dtype=np.uint8)[:, None, None]
        if self.requests:
            pc_size = self.sizes[lay.request_slots[0]] if len(pcs) else 1
            item = pcs * np.uint8(2) + holds + np.uint8(1)  # < 2 * pc_size + 1 <= 255
            items = about * item[None]  # 0 where request q is not about volume i (a product: np.where is slow here)
            for row in _sorted_small([items[:, q] for q in range(len(pcs))]):
                code *= 2 * pc_size + 1
                code += row
        else:
            for q in range(len(pcs)):
                code *= 2
                code += about[:, q]
        return code

    def _request_keys(self, pcs: np.ndarray, targets: np.ndarray, holds: np.ndarray) -> np.ndarray:
        """Each request's sort key (requests x states): its state, its target, does not hold the lock."""
        t_size = self.sizes[self.layout.target_slots[0]]
        return (pcs.astype(np.int64) * t_size + targets) * 2 + ~holds

    def _canonical(self, values: np.ndarray) -> tuple[np.ndarray, list[np.ndarray] | None]:
        """(canonical values, each request's rank or None) of column-wise states."""
        lay = self.layout
        out = values.copy()
        n_vol, n_req = len(lay.volume_blocks), len(lay.request_slots)
        pcs, targets, holds = self._requests(values)
        if n_vol > 1:
            ranks = _ranks(list(self._volume_keys(self._block_codes(values), pcs, targets, holds)))
            blocks = values[self._blocks]
            for k in range(n_vol):
                out[self._blocks[k]] = _gather(blocks, ranks, k)
            naming = np.asarray(lay.target_of_volume, dtype=np.uint8)
            renamed = targets.copy()
            for i in range(n_vol):
                np.copyto(renamed, naming[ranks[i]], where=targets == lay.target_of_volume[i])
            out[list(lay.target_slots)] = targets = renamed
        if self.requests and n_req > 1:
            ranks = _ranks(list(self._request_keys(pcs, targets, holds)))
            for k in range(n_req):
                out[lay.request_slots[k]] = _gather(pcs, ranks, k)
                out[lay.target_slots[k]] = _gather(targets, ranks, k)
            if lay.lock_slot is not None:
                naming = np.asarray(lay.lock_of_request, dtype=np.uint8)
                lock = out[lay.lock_slot]
                for q in range(n_req):
                    np.copyto(lock, naming[ranks[q]], where=holds[q])
            return out, ranks
        return out, None

    # -- single states and actions ------------------------------------------------------------------
    def apply(self, state: State, perm: tuple[tuple[int, ...], tuple[int, ...]]) -> State:
        """`state` with data volume i moved to pv[i] and request q to pr[q]."""
        pv, pr = perm
        lay = self.layout
        out = list(state)
        for i, block in enumerate(lay.volume_blocks):
            for j, s in enumerate(block):
                out[lay.volume_blocks[pv[i]][j]] = state[s]
        vol_rename = {lay.target_of_volume[i]: lay.target_of_volume[pv[i]] for i in range(len(pv))}
        for q in range(len(lay.request_slots)):
            out[lay.request_slots[pr[q]]] = state[lay.request_slots[q]]
            t = state[lay.target_slots[q]]
            out[lay.target_slots[pr[q]]] = vol_rename.get(t, t)
        if lay.lock_slot is not None:
            lock_rename = {lay.lock_of_request[q]: lay.lock_of_request[pr[q]] for q in range(len(pr))}
            out[lay.lock_slot] = lock_rename.get(state[lay.lock_slot], state[lay.lock_slot])
        return tuple(out)

    def canonical_state(self, state: State) -> State:
        return self.canonical_states([state])[0]

    def canonical_states(self, states: list[State]) -> list[State]:
        """Canonical representatives of some states, in one vectorised call."""
        if not states:
            return []
        values = np.array(states, dtype=np.uint8).T
        return [tuple(column) for column in self.canonical_values(values).T.tolist()]

    def verify(self) -> None:
        """Raise NotSymmetric unless every permutation maps actions to actions and initials to initials."""
        model = self.model
        n = len(model.system.slots)
        signatures = {}
        for a in model.actions:
            signatures.setdefault(_signature(a.action.step.name, a.action.outcome.name, a.checks, a.writes), a.label)
        initials = set(model.initials)
        for perm in self.generators():  # they generate the group: what each maps into the model, all do
            # slot and value maps of the permutation, read off `apply` on unit states
            slot_map, value_map = self._maps(perm, n)
            for a in model.actions:
                checks = tuple((slot_map[s], frozenset(value_map[s][v] for v in ok)) for s, ok in a.checks)
                writes = []
                for s, table in a.writes:
                    new = [0] * len(table)
                    for v, t in enumerate(table):
                        new[value_map[s][v]] = value_map[s][t]
                    writes.append((slot_map[s], tuple(new)))
                sig = _signature(a.action.step.name, a.action.outcome.name, checks, tuple(writes))
                if sig not in signatures:
                    raise NotSymmetric(f"{a.label} has no image under volumes {perm[0]}, requests {perm[1]}")
            for init in model.initials:
                if self.apply(init, perm) not in initials:
                    raise NotSymmetric(f"an initial state has no image under {perm}")

    def generators(self) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
        """Swaps of neighbouring volumes and of neighbouring requests (with `requests`): they generate
        the group."""
        n_vol, n_req = len(self.layout.volume_blocks), len(self.layout.request_slots)
        same_v, same_r = tuple(range(n_vol)), tuple(range(n_req))

        def swap(n: int, i: int) -> tuple[int, ...]:
            p = list(range(n))
            p[i], p[i + 1] = p[i + 1], p[i]
            return tuple(p)

        out = [(swap(n_vol, i), same_r) for i in range(n_vol - 1)]
        if self.requests:
            out += [(same_v, swap(n_req, j)) for j in range(n_req - 1)]
        return out

    def _maps(self, perm: tuple[tuple[int, ...], tuple[int, ...]], n: int) -> tuple[list[int], list[list[int]]]:
        lay = self.layout
        pv, pr = perm
        slot_map = list(range(n))
        for i, block in enumerate(lay.volume_blocks):
            for j, s in enumerate(block):
                slot_map[s] = lay.volume_blocks[pv[i]][j]
        for q in range(len(pr)):
            slot_map[lay.request_slots[q]] = lay.request_slots[pr[q]]
            slot_map[lay.target_slots[q]] = lay.target_slots[pr[q]]
        value_map = [list(range(size)) for size in self.sizes]
        for s in lay.target_slots:
            for i in range(len(pv)):
                value_map[s][lay.target_of_volume[i]] = lay.target_of_volume[pv[i]]
        if lay.lock_slot is not None:
            for q in range(len(pr)):
                value_map[lay.lock_slot][lay.lock_of_request[q]] = lay.lock_of_request[pr[q]]
        return slot_map, value_map


def _signature(step: str, outcome: str, checks: tuple, writes: tuple) -> tuple:
    return step, outcome, tuple(sorted((s, tuple(sorted(ok))) for s, ok in checks)), tuple(sorted(writes))


def symmetry_for(model: CompiledModel, packing: Packing, requests: bool = True) -> Symmetry | None:
    """The model's symmetry, verified; None when there is nothing to permute."""
    sym = Symmetry(model, packing, requests)
    if sym.trivial:
        return None
    sym.verify()
    return sym
