"""The explored graph as compressed sparse arrays, and the analyses on it.

The graph is CSR arrays: row = source, column = target, with the action of each edge alongside,
each row in the explorer's order. A search that needs it records it on the way
(`search(..., edges=True)`, `edges.py`); otherwise `successor_graph` recomputes every explored
state's successors with the frontier step (in chunks) and maps each target to its id through the
visited set's sorted keys, to the very same arrays. Liveness (weakly fair lassos) and
recoverability (reverse reachability) then run with `scipy.sparse.csgraph` and numpy, and give the
same answers as `analysis.py`'s networkx versions; the one lasso reported is drawn by
`analysis._fair_cycle` itself, on a networkx graph of the offending request's obligation region
only (built only when there is a violation), so it is the very same lasso.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, shortest_path

from detachcheck.checker.engine.compiled.compile import CompiledModel
from detachcheck.checker.engine.compiled.frontier import successors
from detachcheck.checker.engine.compiled.pack import Packing
from detachcheck.checker.engine.compiled.readsets import Memo
from detachcheck.checker.engine.graphs.analysis import Lasso, Stuck, _fair_cycle, fair_processes
from detachcheck.checker.engine.searches.packed import CHUNK, PackedExploration
from detachcheck.checker.engine.searches.progress import Deadline
from detachcheck.fsm.view import View
from detachcheck.properties.registry import Property

GRAPH_CHUNK = 1 << 14
"""States whose successors are recomputed at once (bounds the transient arrays)."""


@dataclass
class ArrayGraph:
    """Successors of every explored state (CSR), and the fair process of each action."""

    matrix: csr_matrix  # the edges as a sparse matrix (for scipy.sparse.csgraph)
    targets: np.ndarray  # CSR column indices in row order, parallel edges kept (int32)
    actions: np.ndarray  # action index per edge (int16)
    indptr: np.ndarray
    process: list[str | None]
    process_bits: np.ndarray  # action index -> bit of its fair process (0: none)
    taken: set[tuple[int, tuple[int, ...]]]
    """(action, values of the slots it fires) over every enabled action, for coverage."""
    moves: np.ndarray | None = None
    """Under request symmetry: per edge, where the canonical form put each request (see
    `Symmetry.request_moves`)."""

    @property
    def succ(self) -> _Rows:
        """`analysis.Graph`-style rows: succ[i] = [(action, target), ...]."""
        return _Rows(self)


class _Rows:
    def __init__(self, graph: ArrayGraph) -> None:
        self.graph = graph

    def __getitem__(self, i: int) -> list[tuple[int, int]]:
        g = self.graph
        lo, hi = int(g.indptr[i]), int(g.indptr[i + 1])
        return list(zip(g.actions[lo:hi].tolist(), g.targets[lo:hi].tolist(), strict=True))


def fire_masks(model: CompiledModel, packing: Packing) -> tuple[np.ndarray, np.ndarray]:
    """Per action, the bits of the packed key (word, extra) that hold the slots it fires."""
    fire_word = np.zeros(len(model.actions), dtype=np.uint64)
    fire_extra = np.zeros(len(model.actions), dtype=np.uint32)
    for a, ca in enumerate(model.actions):
        for slot, _ in ca.action.fires:
            mask = ((1 << packing.widths[slot]) - 1) << packing.shifts[slot]
            if packing.in_extra[slot]:
                fire_extra[a] |= np.uint32(mask)
            else:
                fire_word[a] |= np.uint64(mask)
    return fire_word, fire_extra


def fired_keys(masks: tuple[np.ndarray, np.ndarray], action: np.ndarray, word: np.ndarray,
               extra: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (action, fired bits of its source's word, of its extra) of some edges (for coverage)."""
    fw = word & masks[0][action]
    fx = (extra & masks[1][action]) if extra is not None else np.zeros(len(fw), np.uint32)
    return _distinct(action, fw, fx)


def successor_graph(exploration: PackedExploration) -> ArrayGraph:
    """Every explored state's successors among explored states (a partial search's others dropped)."""
    model = exploration.model
    tables = exploration.tables
    states = exploration.states
    canonical = getattr(exploration.symmetry, "canonical", None)
    masks = fire_masks(model, tables.packing)
    fired: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    n = len(states)
    # The search counted exactly the edges between explored states: fill arrays of that size. (A search
    # stopped by the clock did not expand its last level: those states' edges come on top.)
    edges = exploration.transitions
    if exploration.stopped == "max-seconds":
        edges += _edges_of_last_level(exploration)
    target = np.empty(edges, dtype=np.int32)
    action = np.empty(edges, dtype=np.int16)
    by_requests = canonical is not None and exploration.symmetry.requests  # type: ignore[union-attr]
    moves = np.empty(edges, dtype=np.uint8) if by_requests else None
    indptr = np.zeros(n + 1, dtype=np.int64)
    at = 0
    for start in range(0, n, GRAPH_CHUNK):
        stop = min(n, start + GRAPH_CHUNK)
        values = states.values(start, stop)
        extra = None if states.extra is None else states.extra[start:stop]
        succ = successors(tables, states.word[start:stop], extra, values)
        del values
        fired.append(fired_keys(masks, succ.action, states.word[start + succ.source],
                                None if extra is None else extra[succ.source]))
        word, xtra = succ.word, succ.extra
        if by_requests:
            word, xtra, move = exploration.symmetry.request_moves(word, xtra)  # type: ignore[union-attr]
        elif canonical is not None:
            word, xtra = canonical(word, xtra)
        ids = exploration.ids_of(word, xtra)
        keep = ids >= 0
        kept = int(keep.sum())
        indptr[start + 1:stop + 1] = np.bincount(succ.source[keep], minlength=stop - start)
        target[at:at + kept] = ids[keep]
        action[at:at + kept] = succ.action[keep]
        if moves is not None:
            moves[at:at + kept] = move[keep]
        at += kept
    assert at == len(target), "the graph's edges differ from the search's transitions"
    np.cumsum(indptr, out=indptr)
    return array_graph(model, tables.packing, target, action, indptr, moves, fired)


def array_graph(model: CompiledModel, packing: Packing, target: np.ndarray, action: np.ndarray,
                indptr: np.ndarray, moves: np.ndarray | None,
                fired: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> ArrayGraph:
    """The graph of CSR edges (`indptr` cumulative), with each action's fair process and what was
    taken (from `fired_keys` of every part of the edges)."""
    n = len(indptr) - 1
    matrix = csr_matrix((np.ones(len(target), dtype=np.int8), target, indptr), shape=(n, n))
    process = fair_processes(model)
    names = sorted({p for p in process if p is not None})
    bits = np.array([0 if p is None else 1 << names.index(p) for p in process],
                    dtype=np.uint32 if len(names) < 32 else np.uint64)
    action_d, word_d, extra_d = _distinct(*(np.concatenate(parts) for parts in zip(*fired, strict=True))) \
        if fired else (np.zeros(0, np.int32), np.zeros(0, np.uint64), np.zeros(0, np.uint32))
    values = packing.unpack(word_d, extra_d if packing.two_part else None).T.tolist()
    fires = [tuple(slot for slot, _ in ca.action.fires) for ca in model.actions]
    taken = {(a, tuple(state[slot] for slot in fires[a])) for a, state in zip(action_d.tolist(), values, strict=True)}
    return ArrayGraph(matrix, target, action, indptr, process, bits, taken, moves)


def _edges_of_last_level(exploration: PackedExploration) -> int:
    """Edges between explored states from the states a clock-stopped search did not expand."""
    states = exploration.states
    first = int(exploration.depth.bounds[-2])
    extra = None if states.extra is None else states.extra[first:]
    succ = successors(exploration.tables, states.word[first:], extra, ordered=False)
    word, xtra = succ.word, succ.extra
    if exploration.symmetry is not None:
        word, xtra = exploration.symmetry.canonical(word, xtra)  # type: ignore[attr-defined]
    return int((exploration.ids_of(word, xtra) >= 0).sum())


_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))


def _distinct(action: np.ndarray, word: np.ndarray, extra: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (action, word, extra) triples without repeats: sorted by a 64-bit mix of the three (one
    sort, not three), repeats dropped where they meet. Two triples of one mix would keep a repeat
    (harmless: the caller gathers them in a set)."""
    mix = word * _MIX[0] ^ extra.astype(np.uint64) * _MIX[1] ^ action.astype(np.uint64) * _MIX[2]
    order = np.argsort(mix)
    a, w, x = action[order], word[order], extra[order]
    keep = np.r_[True, (a[1:] != a[:-1]) | (w[1:] != w[:-1]) | (x[1:] != x[:-1])] if len(a) else np.zeros(0, bool)
    return a[keep], w[keep], x[keep]


def evaluate(exploration: PackedExploration, memo: Memo) -> np.ndarray:
    """A memoised predicate (or score) on every explored state, by id."""
    states = exploration.states
    step = 4 * CHUNK  # large chunks (fewer walks of a decision tree), not too large (transient memory)
    parts = [memo(states.values(start, start + step)) for start in range(0, len(states), step)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=memo.dtype)


def enabled_process_bits(graph: ArrayGraph) -> np.ndarray:
    """Per state, the OR of the fair processes its successors belong to."""
    per_edge = graph.process_bits[graph.actions]
    n = len(graph.indptr) - 1
    out = np.zeros(n, dtype=graph.process_bits.dtype)
    rows = np.flatnonzero(np.diff(graph.indptr))
    if len(rows):
        out[rows] = np.bitwise_or.reduceat(per_edge, graph.indptr[rows])
    return out


def find_lasso(exploration: PackedExploration, graph: ArrayGraph, prop: Property,
               deadline: Deadline | None = None) -> Lasso | None:
    """The fair cycle reached first (by BFS depth, then id) on which some request's obligation holds."""
    n = len(exploration.states)
    depth = exploration.depth.array()
    enabled = enabled_process_bits(graph)
    source = np.repeat(np.arange(n, dtype=np.int32), np.diff(graph.indptr))
    best: tuple[int, int, str] | None = None  # (depth, entry, request)
    for q in exploration.model.system.request_ids:
        bad = evaluate(exploration, Memo(exploration.model.layout, lambda s, q=q: prop.check(s, q)))
        if not bad.any():
            continue
        inside = bad[source] & bad[graph.targets]
        indptr = np.r_[0, np.cumsum(np.bincount(source[inside], minlength=n))]  # edges are grouped by source
        sub = csr_matrix((np.ones(int(indptr[-1]), dtype=np.int8), graph.targets[inside], indptr), shape=(n, n))
        _, label = connected_components(sub, directed=True, connection="strong")
        del sub, indptr
        label = np.where(bad, label, -1)
        candidates = _fair_components(label, bad, enabled, depth, source[inside], graph.targets[inside],
                                      graph.process_bits[graph.actions[inside]])
        for d, entry in candidates:
            if best is None or (d, entry) < best[:2]:
                best = (d, entry, q)
    if best is None:
        return None
    return _draw_lasso(exploration, graph, prop, best[2], best[1])


def _fair_components(label: np.ndarray, bad: np.ndarray, enabled: np.ndarray, depth: np.ndarray,
                     src: np.ndarray, dst: np.ndarray, edge_bits: np.ndarray) -> list[tuple[int, int]]:
    """(depth, entry) of every strongly connected component of the obligation region that holds a
    weakly fair cycle: stuttering in a state where no fair process is enabled, or a cycle along which
    each fair process enabled all the way round is taken."""
    ids = np.flatnonzero(bad)
    comp = label[ids]
    order = np.lexsort((ids, depth[ids], comp))  # per component, by (depth, id)
    ids, comp = ids[order], comp[order]
    starts = np.flatnonzero(np.r_[True, comp[1:] != comp[:-1]])
    entry = ids[starts]
    comps = comp[starts]
    out: list[tuple[int, int]] = []
    calm = ids[enabled[ids] == 0]
    calm_entry: dict[int, int] = {}
    if len(calm):
        calm_sorted = calm[np.lexsort((calm, depth[calm]))]
        for c, i in zip(label[calm_sorted].tolist(), calm_sorted.tolist(), strict=True):
            calm_entry.setdefault(c, i)
    internal = label[src] == label[dst]
    taken = np.zeros(len(comps), dtype=edge_bits.dtype)
    has_edge = np.zeros(len(comps), dtype=bool)
    where = np.searchsorted(comps, label[src[internal]])
    np.bitwise_or.at(taken, where, edge_bits[internal])
    has_edge[where] = True
    always = np.full(len(comps), np.iinfo(enabled.dtype).max, dtype=enabled.dtype)
    np.bitwise_and.at(always, np.searchsorted(comps, comp), enabled[ids])
    for k, c in enumerate(comps.tolist()):
        if c in calm_entry:
            i = calm_entry[c]
            out.append((int(depth[i]), i))
        elif has_edge[k] and not (always[k] & ~taken[k]):
            out.append((int(depth[entry[k]]), int(entry[k])))
    return out


def _draw_lasso(exploration: PackedExploration, graph: ArrayGraph, prop: Property, q: str, entry: int) -> Lasso:
    """The lasso through `entry`, drawn exactly as `analysis.find_lasso` draws it."""
    view = exploration.model.layout.view
    bad = evaluate(exploration, Memo(exploration.model.layout, lambda s: prop.check(s, q)))
    bad_set = {i for i in np.flatnonzero(bad).tolist()}
    import networkx as nx  # loaded where a graph is built: most commands never need it

    sub = nx.DiGraph()
    sub.add_nodes_from(bad_set)
    rows = graph.succ
    sub.add_edges_from((i, j) for i in bad_set for _, j in rows[i] if j in bad_set)
    comp = next(c for c in nx.strongly_connected_components(sub) if entry in c)
    lasso = _fair_cycle(exploration, graph, sub, comp, q)  # type: ignore[arg-type]
    assert lasso is not None and prop.check(view(exploration.states[lasso.prefix[-1]]), q)
    return lasso


def find_unrecoverable(exploration: PackedExploration, graph: ArrayGraph, target: Property,
                       score: Callable[[View], int] | None = None, starts: np.ndarray | None = None,
                       good: np.ndarray | None = None) -> Stuck | None:
    """The first (by id) state that cannot reach any state satisfying `target`; with `starts`, the
    first of those states by their place in `starts`, which `Stuck.state` then gives. `good`:
    `target` on every state, where already known."""
    layout = exploration.model.layout
    good = evaluate(exploration, Memo(layout, target.check)) if good is None else good
    # Reverse reachability from every good state, a level at a time over the transposed graph.
    preds = graph.matrix.T.tocsr()
    can = good.copy()
    frontier = np.flatnonzero(good)
    while len(frontier):
        rows = preds[frontier]
        found = rows.indices[~can[rows.indices]]
        frontier = np.unique(found)
        can[frontier] = True
    del preds
    order = np.arange(len(can)) if starts is None else np.asarray(starts)
    places = np.flatnonzero(~can[order])
    if not len(places):
        return None
    place = int(places[0])
    stuck = int(order[place])
    distance = shortest_path(graph.matrix, directed=True, unweighted=True, indices=stuck)
    closure = np.flatnonzero(np.isfinite(distance))
    model = exploration.model
    lo, hi = graph.indptr[closure], graph.indptr[closure + 1]
    edge_actions = np.concatenate([graph.actions[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)])
    tried = sorted({f"{model.actions[a].action.step.name}:{model.actions[a].action.outcome.name}"
                    for a in np.unique(edge_actions).tolist()})
    values = _values_of(exploration, closure)  # the choice of analysis.find_unrecoverable: score, steps, values
    scores = Memo(layout, score, int)(values) if score is not None else np.zeros(len(closure), dtype=np.int64)
    best = int(closure[np.lexsort((*values[::-1], distance[closure], scores))[0]])
    return Stuck(place, tried, len(closure), exploration.states[best])


def _values_of(exploration: PackedExploration, ids: np.ndarray) -> np.ndarray:
    states = exploration.states
    extra = None if states.extra is None else states.extra[ids]
    return states.packing.unpack(states.word[ids], extra)
