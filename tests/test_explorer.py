"""The explorer against independently computed reachable sets and shortest paths."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from reference import fire, initial, reachable_graph
from toy import toy_system

from detachcheck.checker.engine.compiled.compile import CompileError, compile_system, trigger_tables
from detachcheck.checker.engine.searches.explore import explore
from detachcheck.fsm.lifecycle import Lifecycle, t
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import compose
from detachcheck.properties.registry import ALWAYS, SOMETIMES, Property


def names(model, state):
    return tuple(slot.values[v] for slot, v in zip(model.system.slots, state, strict=True))


def product_graph(system) -> nx.DiGraph:
    """Every state of the full product, edges by driving the real machines."""
    graph = nx.DiGraph()
    for combo in itertools.product(*(slot.values for slot in system.slots)):
        graph.add_node(combo)
        for action in system.actions:
            succ = fire(system, combo, action)
            if succ is not None:
                graph.add_edge(combo, succ)
    return graph


def test_toy_reachable_set_and_depths_match_full_product():
    system = toy_system()
    model = compile_system(system)
    run = explore(model, [])
    graph = product_graph(system)
    expected = nx.single_source_shortest_path_length(graph, initial(system))
    found = {names(model, s): run.depth[i] for i, s in enumerate(run.states)}
    assert found == expected
    assert len(found) < graph.number_of_nodes()  # the product has unreachable states
    assert run.complete


def test_toy_counterexample_is_a_shortest_path():
    system = toy_system()
    model = compile_system(system)
    bad = Property("door_never_locked", ALWAYS, "", lambda s: s.get("door") != "locked")
    run = explore(model, [bad])
    sid = run.found["door_never_locked"]
    graph = product_graph(system)
    targets = [n for n in graph if n[0] == "locked"]
    shortest = min(nx.shortest_path_length(graph, initial(system), n) for n in targets
                   if nx.has_path(graph, initial(system), n))
    assert len(run.path(sid)) == shortest == 3  # up, up, lock
    labels = [model.actions[a].action.step.name for a in run.path(sid)]
    assert labels == ["toy.up", "toy.up", "toy.lock"]


@pytest.mark.parametrize(("release", "requests", "processes"),
                         [("pike", 1, True), ("pike", 2, False), ("queens", 1, True), ("master", 1, True)])
def test_model_matches_machine_driven_reference(release, requests, processes):
    system = compose(RELEASES[release], 1, requests, operator=True, processes=processes)
    model = compile_system(system)
    run = explore(model, [])
    graph = reachable_graph(system)
    assert {names(model, s) for s in run.states} == set(graph.nodes)
    assert run.transitions == graph.number_of_edges()
    graph.add_node("start")
    graph.add_edges_from(("start", init) for init in system.initials)
    depths = nx.single_source_shortest_path_length(graph, "start")
    assert all(depths[names(model, s)] - 1 == run.depth[i] for i, s in enumerate(run.states))


def test_exploration_is_deterministic():
    model = compile_system(compose(RELEASES["queens"], 1, 2))
    a, b = explore(model, []), explore(model, [])
    assert a.states == b.states and a.via == b.via


def test_max_states_stops_and_says_so():
    model = compile_system(compose(RELEASES["pike"], 1, 2))
    run = explore(model, [], max_states=50)
    assert len(run.states) == 50 and not run.complete


def test_sometimes_property_finds_shortest_witness():
    model = compile_system(compose(RELEASES["pike"], 1, 1, processes=False))
    prop = Property("disk_gone", SOMETIMES, "", lambda s: s.disk("1") == "absent")
    run = explore(model, [prop])
    path = [model.actions[a].action.label for a in run.path(run.found["disk_gone"])]
    assert path[-1] == "guest.ack_unplug:ok vol=1"
    assert len(path) == 7


def test_compiler_refuses_conditional_transitions():
    lc = Lifecycle("x", "x", ("a", "b"), "a", (t("go", "a", "b", "x.py f @ pike"),))
    assert trigger_tables(lc) == {"go": {0: 1}}
    machine = lc.machine()
    machine.add_transition("jump", "a", "b", conditions=lambda e: True)

    class Conditional(Lifecycle):
        def machine(self, model=None, initial=None):
            return machine

    with pytest.raises(CompileError, match="conditional"):
        trigger_tables(Conditional("x", "x", ("a", "b"), "a", ()))


def test_compiler_refuses_unknown_trigger():
    system = toy_system()
    action = system.actions[0]
    broken = type(action)(action.step, action.outcome, (), (), ((0, "fly"),), ())
    with pytest.raises(CompileError, match="no trigger 'fly'"):
        compile_system(type(system)(RELEASES["pike"], 0, 0, system.slots, (broken,), system.initials))
