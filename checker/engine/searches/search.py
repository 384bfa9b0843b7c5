"""Breadth-first search a level at a time over packed states (the default engine).

Each level's frontier is expanded at once by `frontier.successors`; new states are the
successors not yet visited, numbered in discovery order (by source state, then by the action's
place in dispatch order; first discovery wins). That is exactly the tuple explorer's order, so
ids, parents, counterexamples and `--max-states` cuts are the same. State properties are checked
on each new level through `checks.LevelChecks`. With a `Symmetry`, successors are replaced by
their canonical representatives before the visited check.

A chunk's expansion is two parts: `step` (successors, canonical keys) reads only the chunk, so
the next chunk's step runs on a second thread while `_visit` looks this one up in the visited set
and numbers its new states, in order: the result is the same as one thread's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from detachcheck.checker.engine.compiled.checks import LevelChecks
from detachcheck.checker.engine.compiled.compile import CompiledModel
from detachcheck.checker.engine.compiled.frontier import Tables, discovery_order, successors, tables_for
from detachcheck.checker.engine.compiled.pack import packing_for
from detachcheck.checker.engine.searches.edges import Edges
from detachcheck.checker.engine.searches.keyset import KeySet
from detachcheck.checker.engine.searches.packed import (
    GrowingArray,
    IntColumn,
    LevelDepths,
    PackedExploration,
    PackedStates,
)
from detachcheck.checker.engine.searches.progress import SEARCHING, Deadline, Progress, Status
from detachcheck.properties.registry import Property


def first_occurrences(word: np.ndarray, extra: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(positions of each distinct key's first occurrence, ascending; for every position, the rank
    of its key's first occurrence among them)."""
    if extra is None:
        order = np.argsort(word, kind="stable")
        sw = word[order]
        starts = np.r_[True, sw[1:] != sw[:-1]] if len(sw) else np.zeros(0, dtype=bool)
    else:
        order = np.lexsort((word, extra))
        sw, sx = word[order], extra[order]
        starts = np.r_[True, (sw[1:] != sw[:-1]) | (sx[1:] != sx[:-1])] if len(sw) else np.zeros(0, dtype=bool)
    first = order[starts]
    group = np.cumsum(starts) - 1
    by_first = np.argsort(first)
    rank = np.empty(len(first), dtype=np.int64)
    rank[by_first] = np.arange(len(first))
    inverse = np.empty(len(word), dtype=np.int64)
    inverse[order] = rank[group]
    return first[by_first], inverse


FRONTIER_CHUNK = 1 << 14
"""Frontier states expanded at once, at least: their successors' arrays are the search's only
transients. Larger searches take larger chunks (`chunk_size`), so the transients stay a few bytes
a stored state while the per-chunk work stays cheap."""


def chunk_size(stored: int) -> int:
    """States expanded at once when `stored` states are stored: a 128th of them, at least FRONTIER_CHUNK."""
    return max(FRONTIER_CHUNK, stored // 128)


@dataclass
class Chunk:
    """Some consecutive states of the level being expanded: packed keys, and the id of the first."""

    word: np.ndarray
    extra: np.ndarray | None
    first_id: int


@dataclass
class NewStates:
    """What a chunk's expansion found: the states new to the search (up to `allowed` of `distinct`),
    in discovery order, with the parent id and action of each."""

    word: np.ndarray
    extra: np.ndarray | None
    parent: np.ndarray
    via: np.ndarray
    distinct: int
    allowed: int


@dataclass
class Expanded:
    """A chunk's successors before the visited check: what `step` computes from the chunk alone."""

    values: np.ndarray  # the chunk's states, column-wise
    source: np.ndarray
    action: np.ndarray
    enabled: np.ndarray  # actions each chunk state enables (-1: left unexpanded by `stop`)
    word: np.ndarray  # each successor's key, canonical under the symmetry
    extra: np.ndarray | None
    move: np.ndarray | None  # where each successor's requests went (`Symmetry.request_moves`)
    fired: tuple[np.ndarray, np.ndarray, np.ndarray] | None  # for coverage, when edges are recorded


def step(chunk: Chunk, tables: Tables, canonical: Callable | None, recorder: Edges | None,
         stop: Callable[[np.ndarray], np.ndarray] | None) -> Expanded:
    """The frontier step: a pure function of the chunk (it reads no visited set), so the next
    chunk's step runs on another core while this one's successors are looked up (`search`)."""
    word, extra = chunk.word, chunk.extra
    values = tables.packing.unpack(word, extra)
    if stop is None:
        succ = successors(tables, word, extra, values, ordered=False)
        source, enabled = succ.source, succ.enabled
    else:  # only the states `stop` leaves open are expanded (the others count as not dead)
        active = np.flatnonzero(~stop(values))
        succ = successors(tables, word[active], None if extra is None else extra[active], values[:, active],
                          ordered=False)
        source, enabled = active[succ.source].astype(np.int32), np.full(len(word), -1, dtype=np.int32)
        enabled[active] = succ.enabled
    move, fired = None, None
    if recorder is not None:
        cw, cx, move = recorder.canonical(succ.word, succ.extra)
        fired = recorder.fired(succ.action, word[source], None if extra is None else extra[source])
    elif canonical is not None:
        cw, cx = canonical(succ.word, succ.extra)
    else:
        cw, cx = succ.word, succ.extra
    return Expanded(values, source, succ.action, enabled, cw, cx, move, fired)


def stepped_chunks(pool: ThreadPoolExecutor, chunks: Iterator[Chunk], count: int, tables: Tables,
                   canonical: Callable | None, recorder: Edges | None,
                   stop: Callable[[np.ndarray], np.ndarray] | None) -> Iterator[tuple[Chunk, Expanded]]:
    """Each of `count` chunks with its step, in order; the next chunk's step runs on the pool's
    thread (numpy releases the interpreter lock) while the caller visits this one. At most two are
    held. A lone chunk is stepped here: there is nothing to overlap it with."""
    if count == 1:
        yield from ((chunk, step(chunk, tables, canonical, recorder, stop)) for chunk in chunks)
        return
    ahead: tuple[Chunk, Future[Expanded]] | None = None
    for chunk in chunks:
        future = pool.submit(step, chunk, tables, canonical, recorder, stop)
        if ahead is not None:
            yield ahead[0], ahead[1].result()
        ahead = chunk, future
    if ahead is not None:
        yield ahead[0], ahead[1].result()


def _visit(chunk: Chunk, ex: Expanded, tables: Tables, keys: KeySet, checks: LevelChecks,
           recorder: Edges | None, n: int, max_states: int | None) -> tuple[NewStates, int]:
    """A stepped chunk's successors against the visited set: (its new states, the edges between
    stored states it has)."""
    checks.expanded(chunk.first_id, ex.values, ex.enabled)
    source, action, cw, cx = ex.source, ex.action, ex.word, ex.extra
    target = keys.find(cw, cx)
    seen = target >= 0
    if recorder is not None:  # every edge is kept in discovery order: sort them all once
        order = discovery_order(tables, source, action)
        unseen = order[~seen[order]]
    else:  # only the new states need it
        unseen = np.flatnonzero(~seen)
        unseen = unseen[discovery_order(tables, source[unseen], action[unseen])]
    first, inverse = first_occurrences(cw[unseen], None if cx is None else cx[unseen])
    allowed = len(first) if max_states is None else max(0, min(len(first), max_states - n))
    counted = int(seen.sum()) + int((inverse < allowed).sum())
    new = unseen[first[:allowed]]
    if recorder is not None:  # a new state's id is n + the rank of its first occurrence
        target[unseen] = np.where(inverse < allowed, n + inverse, -1)
        recorder.level(len(chunk.word), order, source, action, target, ex.move, ex.fired)
    found = NewStates(cw[new], None if cx is None else cx[new], (chunk.first_id + source[new]).astype(np.int32),
                      action[new].astype(np.int16), len(first), allowed)
    return found, counted


def search(model: CompiledModel, properties: Sequence[Property] = (), max_states: int | None = None,
           deadline: Deadline | None = None, progress: Progress | None = None, symmetry: object | None = None,
           tables: Tables | None = None, phase: str = SEARCHING,
           initial_values: np.ndarray | None = None, edges: bool = False,
           stop: Callable[[np.ndarray], np.ndarray] | None = None,
           goals: frozenset[str] = frozenset()) -> PackedExploration:
    """Explore every reachable state (up to `max_states`, or until `deadline`), checking `properties`,
    from the model's initial states or from `initial_values` (slots x states: no tuples made).
    With `goals` (ids of state properties), the search ends as soon as each of them has found its
    first state (`stopped` = "found"): those states, and their shortest paths, are final.

    With `edges`, the explored graph is recorded on the way (`PackedExploration.graph()` then costs
    nothing more); with `stop` (column-wise values -> bool per state), the states it holds for are
    stored but not expanded: the search, and its graph, end there."""
    tables = tables or tables_for(model, packing_for(model))
    packing = tables.packing
    canonical = getattr(symmetry, "canonical", None)
    checks = LevelChecks(model.layout, properties)
    recorder = Edges(model, tables, symmetry) if edges else None
    keys = KeySet()
    if initial_values is not None:
        word, extra = packing.pack(initial_values)
    else:
        word, extra = packing.pack_states(model.initials)
    if canonical is not None:
        word, extra = canonical(word, extra)
    first, _ = first_occurrences(word, extra)
    word, extra = word[first], None if extra is None else extra[first]
    n = len(word)
    keys.add(word, extra, np.arange(n))
    # The states by id, their parents and actions: appended to in place (no lists joined at the end)
    words, extras = GrowingArray(np.uint64), GrowingArray(np.uint32) if extra is not None else None
    parents, vias = GrowingArray(np.int32), GrowingArray(np.int16)
    words.append(word)
    if extras is not None:
        extras.append(extra)
    parents.append(np.arange(n, dtype=np.int32))
    vias.append(np.full(n, -1, dtype=np.int16))
    bounds = [0, n]
    checks.new_states(0, packing.unpack(word, extra))
    transitions = 0
    complete = True
    stopped = None
    level_start = 0
    expanded_depth = -1
    with ThreadPoolExecutor(max_workers=1) as pool:  # steps the next chunk while this one is visited
        while n > level_start:
            level_end = n
            size = chunk_size(n)
            starts = range(level_start, level_end, size)
            chunks = (Chunk(words.array[at:min(at + size, level_end)].copy(),  # copies: the arrays may move
                            None if extras is None else extras.array[at:min(at + size, level_end)].copy(), at)
                      for at in starts)
            for chunk, expanded in stepped_chunks(pool, chunks, len(starts), tables, canonical, recorder, stop):
                found, counted = _visit(chunk, expanded, tables, keys, checks, recorder, n, max_states)
                del expanded
                transitions += counted
                if found.allowed < found.distinct:
                    complete, stopped = False, "max-states"
                if found.allowed:
                    keys.add(found.word, found.extra, np.arange(n, n + found.allowed))
                    parents.append(found.parent)
                    vias.append(found.via)
                    checks.new_states(n, packing.unpack(found.word, found.extra))
                    words.append(found.word)
                    if extras is not None:
                        extras.append(found.extra)
                    n += found.allowed
                del found, chunk
                if goals and goals <= checks.found.keys():
                    complete, stopped = False, "found"
                    break
            if n > level_end:
                bounds.append(n)
            if stopped == "found":  # the level was expanded in part
                break
            expanded_depth += 1
            level_start = level_end
            if progress is not None:
                progress(Status(phase, n, transitions, expanded_depth + 1, n - level_start))
            if n > level_start and deadline is not None and deadline.expired():
                complete, stopped = False, "max-seconds"
                break
    keys.settle()
    found = PackedExploration(
        model, tables, keys, PackedStates(packing, words.array, None if extras is None else extras.array),
        IntColumn(parents.array), IntColumn(vias.array), LevelDepths(np.array(bounds)),
        transitions, complete, checks.found, stopped, expanded_depth, symmetry)
    found.cut = stop is not None
    if recorder is not None and stopped != "max-seconds":  # else its last level went unexpanded
        found.keep_graph(recorder.graph())
    return found
