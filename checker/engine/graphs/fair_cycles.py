"""Whether a weakly fair lasso may exist, judged on the graph reduced by request permutations too.

Nodes are (canonical state, tracked request): the request whose obligation is followed, renamed
along each edge as the canonical form moved it. Fixed processes (steps, and the tracked request)
are judged exactly; the other requests are renamed along the way, so for them the test is the
weakest the real condition implies: some other request is disabled somewhere in the component,
or is taken on one of its edges. A real fair lasso therefore always passes; a pass may be
spurious, and then the exact analysis on the volume-only quotient decides (`run.py`).

Memory: the annotated graph has up to one edge per edge and request. Only its columns are held
(parallel edges merged); what each edge says about fairness is derived again, one tracked request
at a time, once the components are known.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from detachcheck.checker.engine.compiled.readsets import Memo
from detachcheck.checker.engine.graphs.graph import ArrayGraph, evaluate
from detachcheck.checker.engine.searches.packed import PackedExploration
from detachcheck.properties.registry import Property


class _Annotated:
    """The annotated graph's nodes under obligation: node (state c, tracked j) is j * n + c,
    numbered in that order among those kept (so each j's edges stay grouped by source)."""

    def __init__(self, graph: ArrayGraph, bad: np.ndarray) -> None:
        self.graph, self.n, self.r = graph, bad.shape[0], bad.shape[1]
        self.node_bad = bad.T.reshape(-1)
        self.compact = (np.cumsum(self.node_bad) - 1).astype(np.int32)
        self.size = int(self.node_bad.sum())
        self.degree = np.diff(graph.indptr)
        codes = np.arange(256)  # a move code -> the node offset of where request j went
        self.offset = [((codes // self.r ** j) % self.r * self.n).astype(np.int32) for j in range(self.r)]

    def edges(self, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Tracking request j: the kept edges' source and target nodes, and which edges are kept."""
        n, graph = self.n, self.graph
        assert graph.moves is not None
        bad_j, compact_j = self.node_bad[j * n:(j + 1) * n], self.compact[j * n:(j + 1) * n]
        target_node = self.offset[j][graph.moves]
        target_node += graph.targets
        keep = self.node_bad[target_node]
        keep &= np.repeat(bad_j, self.degree)
        dst = self.compact[target_node[keep]]
        del target_node
        before = np.zeros(len(keep) + 1, dtype=np.int32)  # kept edges before each edge
        np.cumsum(keep, out=before[1:])
        kept = before[graph.indptr[1:]] - before[graph.indptr[:-1]]  # per source state: its edges lie together
        del before
        return np.repeat(compact_j, kept), dst, keep

    def components(self) -> tuple[int, np.ndarray]:
        """Strongly connected components: (count, label per node)."""
        counts = np.zeros(self.size, dtype=np.int64)
        parts = []
        for j in range(self.r):
            src, dst, _ = self.edges(j)
            counts += np.bincount(src, minlength=self.size)
            parts.append(dst)
            del src
        col = np.concatenate(parts)
        del parts
        indptr = np.zeros(self.size + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        sub = csr_matrix((np.ones(len(col), dtype=np.int8), col, indptr), shape=(self.size, self.size))
        del col, indptr
        # Parallel edges merged in place: scipy 1.17's strong components loop forever on them, and
        # its own conversion, which merges them, works on a float64 copy. Then float64 weights of
        # no size (never read), so that it copies nothing.
        sub.sum_duplicates()
        sub.data = np.broadcast_to(np.float64(1.0), (sub.nnz,))
        return connected_components(sub, directed=True, connection="strong")


def fair_cycle_possible(exploration: PackedExploration, graph: ArrayGraph, prop: Property) -> bool:
    """Whether a weakly fair lasso of `prop` may exist on the fully reduced graph (False settles
    the property: it holds)."""
    model = exploration.model
    requests = model.system.request_ids
    r, n = len(requests), len(exploration.states)
    assert graph.moves is not None and r > 1
    bad = np.stack([evaluate(exploration, Memo(model.layout, lambda s, q=q: prop.check(s, q))) for q in requests],
                   axis=1)
    if not bad.any():
        return False
    action_request = np.full(len(model.actions), -1, dtype=np.int64)
    fixed_names = sorted({p for p in graph.process if p is not None and not p.startswith("request ")})
    tracked_bit = 1 << len(fixed_names)
    fixed_bits = np.zeros(len(model.actions), dtype=np.int64 if len(fixed_names) > 30 else np.int32)
    for a, p in enumerate(graph.process):
        if p is None:
            continue
        if p.startswith("request "):
            action_request[a] = requests.index(p.removeprefix("request "))
        else:
            fixed_bits[a] = 1 << fixed_names.index(p)
    fixed_enabled = _or_by_row(fixed_bits[graph.actions], graph.indptr).astype(np.int64)
    request_bit = np.where(action_request >= 0, 1 << np.maximum(action_request, 0), 0).astype(np.int32)
    request_enabled = _or_by_row(request_bit[graph.actions], graph.indptr).astype(np.int64)
    edge_request = action_request.astype(np.int8)[graph.actions]
    annotated = _Annotated(graph, bad)
    del bad
    nodes = np.flatnonzero(annotated.node_bad)
    state_of = (nodes % n).astype(np.int32)
    tracked = (nodes // n).astype(np.int64)
    del nodes
    if ((fixed_enabled[state_of] == 0) & (request_enabled[state_of] == 0)).any():
        return True  # stuttering where no fair process is enabled is fair, whoever is renamed
    enabled = fixed_enabled[state_of] | np.where((request_enabled[state_of] >> tracked) & 1, tracked_bit, 0)
    other_disabled = (request_enabled[state_of] | (1 << tracked)) != (1 << r) - 1
    del state_of, tracked, fixed_enabled, request_enabled
    count, label = annotated.components()  # labels are 0..count-1
    has_edge = np.zeros(count, dtype=bool)
    taken = np.zeros(count, dtype=np.int64)
    other = np.zeros(count, dtype=bool)
    for j in range(r):  # what each edge inside a component says, tracking request j
        src, dst, keep = annotated.edges(j)
        inside = label[src] == label[dst]
        where = label[dst[inside]]
        del src, dst
        has_edge[where] = True
        er, acts = edge_request[keep][inside], graph.actions[keep][inside]
        np.bitwise_or.at(taken, where, fixed_bits[acts] | np.where(er == j, tracked_bit, 0))
        other[where[(er >= 0) & (er != j)]] = True
    # Only components with an edge inside can hold a cycle: the nodes in them are usually few.
    inside_nodes = np.flatnonzero(has_edge[label])
    always = np.full(count, -1, dtype=np.int64)
    np.bitwise_and.at(always, label[inside_nodes], enabled[inside_nodes])
    other[label[inside_nodes[other_disabled[inside_nodes]]]] = True
    return bool((has_edge & ((always & ~taken) == 0) & other).any())


def _or_by_row(values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """The bitwise OR of each CSR row's values (0 for an empty row)."""
    out = np.zeros(len(indptr) - 1, dtype=values.dtype)
    rows = np.flatnonzero(np.diff(indptr))  # each one's values run up to the next one's
    if len(rows):
        out[rows] = np.bitwise_or.reduceat(values, indptr[rows])
    return out
