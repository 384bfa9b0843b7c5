"""networkx graphs of an exploration, built after the search, for analysis only."""

from __future__ import annotations

import networkx as nx

from checker.explore import Exploration


def state_graph(exploration: Exploration) -> nx.MultiDiGraph:
    """Explored states as nodes (by discovery id), one edge per enabled action."""
    model = exploration.model
    index = {s: i for i, s in enumerate(exploration.states)}
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(range(len(exploration.states)))
    for i, state in enumerate(exploration.states):
        for ai, succ in model.enabled(state):
            j = index.get(succ)
            if j is not None:
                graph.add_edge(i, j, action=ai)
    return graph
