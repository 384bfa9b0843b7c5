"""Analyses after the search, on the explored graph (networkx): liveness under weak fairness
and recoverability. The search itself never builds a graph."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from detachcheck.checker.engine.compiled.compile import CompiledModel
from detachcheck.checker.engine.searches.explore import Exploration
from detachcheck.fsm.system import Action
from detachcheck.fsm.view import View
from detachcheck.properties.registry import Property

if TYPE_CHECKING:
    import networkx as nx

Edge = tuple[int, int, int]  # (from state, to state, action index)


@dataclass
class Graph:
    """Every explored state's successors, and which fair process each action belongs to."""

    succ: list[list[tuple[int, int]]]  # state -> [(action index, next state)]
    process: list[str | None]  # action index -> fair process ("request 1", "compute.restart") or None


def build_graph(exploration: Exploration, keep: Callable[[Action], bool] | None = None) -> Graph:
    """Successor lists for every explored state (states outside a partial search are dropped);
    with `keep`, only the edges of the actions it keeps."""
    model = exploration.model
    index = {s: i for i, s in enumerate(exploration.states)}
    kept = [keep is None or keep(ca.action) for ca in model.actions]
    succ = []
    for state in exploration.states:
        succ.append([(ai, index[t]) for ai, t in model.enabled(state) if kept[ai] and t in index])
    return Graph(succ, fair_processes(model))


def fair_processes(model: CompiledModel) -> list[str | None]:
    """Action index -> its fair process: the request it serves, or its step (None: not fair)."""
    process = []
    for ca in model.actions:
        step = ca.action.step
        req = dict(ca.action.keys).get("req")
        fair = step.is_fair and not step.binds_volume  # nobody has to send a request at all
        process.append(None if not fair else (f"request {req}" if req else step.name))
    return process


@dataclass
class Lasso:
    """A liveness counterexample: a path to `entry`, then a cycle back to it (empty: it stays)."""

    request: str
    prefix: list[int]  # state ids, initial .. entry
    cycle: list[Edge]  # edges entry -> ... -> entry; [] means stuttering at entry


def _enabled_processes(graph: Graph, sid: int) -> set[str]:
    return {p for ai, _ in graph.succ[sid] if (p := graph.process[ai]) is not None}


def find_lasso(exploration: Exploration, graph: Graph, prop: Property) -> Lasso | None:
    """The fair cycle (reached first, by BFS depth) along which some request's obligation holds."""
    view = exploration.model.layout.view
    best: Lasso | None = None
    for q in exploration.model.system.request_ids:
        bad = {i for i, st in enumerate(exploration.states) if prop.check(view(st), q)}
        if not bad:
            continue
        import networkx as nx  # loaded where a graph is built: most commands never need it

        sub = nx.DiGraph()
        sub.add_nodes_from(bad)
        sub.add_edges_from((i, j) for i in bad for _, j in graph.succ[i] if j in bad)
        for comp in nx.strongly_connected_components(sub):
            lasso = _fair_cycle(exploration, graph, sub, comp, q)
            if lasso and (best is None or len(lasso.prefix) < len(best.prefix)
                          or (len(lasso.prefix) == len(best.prefix) and lasso.prefix[-1] < best.prefix[-1])):
                best = lasso
    return best


def _fair_cycle(exploration: Exploration, graph: Graph, sub: nx.DiGraph, comp: set[int], q: str) -> Lasso | None:
    """A weakly fair cycle inside one strongly connected component, if there is one."""
    calm = [i for i in comp if not _enabled_processes(graph, i)]
    if calm:  # stuttering forever is fair where no fair process is enabled
        still = min(calm, key=lambda i: (exploration.depth[i], i))
        return Lasso(q, exploration.path_states(still), [])
    entry = min(comp, key=lambda i: (exploration.depth[i], i))
    prefix = exploration.path_states(entry)
    internal = [(i, ai, j) for i in comp for ai, j in graph.succ[i] if j in comp]
    if not internal:
        return None
    taken = {graph.process[ai] for _, ai, _ in internal} - {None}
    enabled = {i: _enabled_processes(graph, i) for i in comp}
    always_enabled = set.intersection(*enabled.values())
    if always_enabled - taken:
        return None  # some fair process is enabled everywhere here and never taken: not fair
    # The shown cycle must be fair too: for every fair process enabled somewhere here, pass a state
    # where it is disabled, or take it if it is enabled everywhere.
    cycle: list[Edge] = []
    here = entry
    for proc in sorted(set.union(*enabled.values()) - always_enabled):
        if proc in enabled[here]:
            calm = min((i for i in comp if proc not in enabled[i]), key=lambda i: (exploration.depth[i], i))
            cycle += _path_within(sub, graph, here, calm, comp)
            here = calm
    for proc in sorted(always_enabled):
        edge = min((e for e in internal if graph.process[e[1]] == proc), key=lambda e: (e[0] != here, e))
        cycle += _path_within(sub, graph, here, edge[0], comp) + [edge]
        here = edge[2]
    back = _path_within(sub, graph, here, entry, comp)
    if not cycle and not back:  # at least one step around a non-trivial component
        edge = next(e for e in internal if e[0] == entry)
        cycle, here = [edge], edge[2]
        back = _path_within(sub, graph, here, entry, comp)
    return Lasso(q, prefix, cycle + back)


def _path_within(sub: nx.DiGraph, graph: Graph, a: int, b: int, comp: set[int]) -> list[Edge]:
    """Shortest edge path from a to b inside the component (first action in action order)."""
    if a == b:
        return []
    import networkx as nx

    nodes = nx.shortest_path(sub.subgraph(comp), a, b)
    return [(x, min(ai for ai, j in graph.succ[x] if j == y), y) for x, y in zip(nodes, nodes[1:], strict=False)]


@dataclass
class Stuck:
    """A reachable state from which no path reaches a consistent state."""

    state: int
    tried: list[str]  # every step:outcome enabled anywhere in its forward closure
    closure: int  # how many states can still be reached from it
    best: tuple[int, ...]
    """The reachable state closest to consistent: fewest at-rest violations, then fewest steps away,
    then the smallest values (a choice that does not depend on how a search numbered its states)."""


def find_unrecoverable(exploration: Exploration, graph: Graph, target: Property,
                       score: Callable[[View], int] | None = None, starts: Sequence[int] | None = None) -> Stuck | None:
    """The first state (by BFS) that cannot reach any state satisfying `target`; with `starts`, the first
    of those states (by their place in `starts`, which `Stuck.state` then gives)."""
    view = exploration.model.layout.view
    n = len(exploration.states)
    good = deque(i for i, st in enumerate(exploration.states) if target.check(view(st)))
    can = [False] * n
    for i in good:
        can[i] = True
    pred: list[list[int]] = [[] for _ in range(n)]
    for i in range(n):
        for _, j in graph.succ[i]:
            pred[j].append(i)
    while good:  # reverse reachability
        j = good.popleft()
        for i in pred[j]:
            if not can[i]:
                can[i] = True
                good.append(i)
    order = range(n) if starts is None else starts
    place = next((k for k, i in enumerate(order) if not can[i]), None)
    if place is None:
        return None
    stuck = order[place]
    distance = {stuck: 0}
    todo = deque([stuck])
    while todo:
        i = todo.popleft()
        for _, j in graph.succ[i]:
            if j not in distance:
                distance[j] = distance[i] + 1
                todo.append(j)
    actions = exploration.model.actions
    tried = sorted({f"{actions[ai].action.step.name}:{actions[ai].action.outcome.name}"
                    for i in distance for ai, _ in graph.succ[i]})
    states = exploration.states
    best = min(distance, key=lambda i: (score(view(states[i])) if score else 0, distance[i], tuple(states[i])))
    return Stuck(place, tried, len(distance), states[best])
