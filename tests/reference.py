"""An independent reference semantics: steps the model by driving the declared
`transitions` machines themselves (no compiled tables), for cross-checking the engine."""

from __future__ import annotations

import networkx as nx
from transitions import MachineError

from detachcheck.fsm.system import ANY, Action, System

Named = tuple[str, ...]


_MACHINES: dict[str, object] = {}


def _machine(lifecycle):
    """One real machine per lifecycle, reused: its state is set before each trigger."""
    key = f"{lifecycle.name}:{id(lifecycle)}"
    if key not in _MACHINES:
        _MACHINES[key] = (lifecycle, lifecycle.machine())
    return _MACHINES[key][1]


def fire(system: System, state: Named, action: Action) -> Named | None:
    """The successor of `state` under `action`, or None if it is not enabled."""
    values = list(state)
    for slot, allowed in action.requires:
        if state[slot] not in allowed:
            return None
    for slot, src, dst in action.assigns:
        if src != ANY and values[slot] != src:
            return None
        values[slot] = dst
    for slot, trigger in action.fires:
        lifecycle = system.slots[slot].lifecycle
        machine = _machine(lifecycle)
        machine.set_state(values[slot])
        try:
            machine.trigger(trigger)
        except (MachineError, AttributeError):
            return None
        values[slot] = machine.state
    return tuple(values)


def initial(system: System) -> Named:
    return system.initials[0]


def reachable_graph(system: System) -> nx.MultiDiGraph:
    """The reachable state graph, built with networkx by driving real machines."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(system.initials)
    frontier = list(system.initials)
    while frontier:
        nxt = []
        for state in frontier:
            for action in system.actions:
                succ = fire(system, state, action)
                if succ is None:
                    continue
                if succ not in graph:
                    nxt.append(succ)
                graph.add_edge(state, succ)
        frontier = nxt
    return graph
