"""The frontier engine against the tuple explorer (the reference): same states in the same order,
same counterexamples, same reports; and its parts (packing, memoised properties, array analyses)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_analysis import PENDING, RING, system

from detachcheck.checker.engine.compiled import readsets
from detachcheck.checker.engine.compiled.compile import compile_system
from detachcheck.checker.engine.compiled.pack import packing_for
from detachcheck.checker.engine.graphs import analysis, graph
from detachcheck.checker.engine.searches.explore import explore
from detachcheck.checker.engine.searches.progress import Deadline
from detachcheck.checker.engine.searches.search import search
from detachcheck.checker.outputs.render import to_json
from detachcheck.checker.run import run_check
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.step import INSTANCE, Outcome, Step
from detachcheck.fsm.system import Action, Slot, System, compose
from detachcheck.properties import all_properties
from detachcheck.properties.incidents import INCIDENTS
from detachcheck.properties.registry import LIVENESS, RECOVERABLE, REGISTRY, Property

PROPS = all_properties() + tuple(i.as_property() for i in INCIDENTS.values())


def same_search(a, b) -> None:
    assert len(a.states) == len(b.states)
    assert a.transitions == b.transitions and a.complete == b.complete
    assert a.found == b.found
    assert list(b.states) == a.states
    assert list(b.parent) == a.parent and list(b.via) == a.via and list(b.depth) == a.depth


@pytest.mark.parametrize("release", list(RELEASES))
def test_same_states_order_and_findings_as_the_tuple_explorer(release):
    model = compile_system(compose(RELEASES[release], 1, 2))
    same_search(explore(model, PROPS), search(model, PROPS))


def test_same_on_two_volumes_and_a_two_part_key():
    model = compile_system(compose(RELEASES["master"], 3, 2, processes=False))
    assert packing_for(model).two_part  # 3 data volumes need more than 64 bits
    same_search(explore(model, PROPS), search(model, PROPS))


@pytest.mark.parametrize("cap", [1, 2, 50, 777, 5000])
def test_max_states_cuts_exactly_as_the_tuple_explorer(cap):
    model = compile_system(compose(RELEASES["queens"], 1, 2))
    ref, new = explore(model, PROPS, max_states=cap), search(model, PROPS, max_states=cap)
    same_search(ref, new)
    assert not new.complete and new.stopped == "max-states"
    assert len(new.states) == max(cap, len(model.initials))  # initial states are never cut


@pytest.mark.parametrize("release", list(RELEASES))
def test_reports_are_byte_identical_without_symmetry(release):
    kwargs = {"processes": False, "symmetry": False}
    assert to_json(run_check(release, engine="frontier", **kwargs).report) == \
        to_json(run_check(release, engine="tuple", **kwargs).report)


@pytest.mark.parametrize("kwargs", [{}, {"requests": 1, "operator": True}, {"max_states": 3000}])
def test_full_reports_are_byte_identical_without_symmetry(kwargs):
    assert to_json(run_check("queens", engine="frontier", symmetry=False, **kwargs).report) == \
        to_json(run_check("queens", engine="tuple", **kwargs).report)


def test_max_seconds_stops_between_levels_and_says_what_was_covered():
    model = compile_system(compose(RELEASES["queens"], 2, 3))
    run = search(model, PROPS, deadline=Deadline(0))
    assert not run.complete and run.stopped == "max-seconds"
    assert run.depth_completed == 0 and len(run.states) > len(model.initials)


def test_memoised_properties_agree_with_direct_evaluation(monkeypatch):
    model = compile_system(compose(RELEASES["pike"], 2, 2, processes=False))
    run = search(model, [])
    values = run.states.values()
    views = [model.layout.view(s) for s in run.states]
    for prop in [p for p in PROPS if p.kind not in (LIVENESS,)]:
        expected = np.array([prop.check(v) for v in views])
        assert (readsets.Memo(model.layout, prop.check)(values) == expected).all(), prop.id
        tree = readsets.DecisionTree(model.layout, prop.check, bool)
        assert (tree(values) == expected).all(), prop.id
    monkeypatch.setattr(readsets, "DENSE_LIMIT", 4)  # force the decision tree
    memo = readsets.Memo(model.layout, REGISTRY["recoverable"].check)
    assert (memo(values) == np.array([REGISTRY["recoverable"].check(v) for v in views])).all()
    assert memo.tree is not None and memo.tree.evaluations < len(views) / 4


def both_lassos(sys_: System, prop: Property):
    model = compile_system(sys_)
    ref = explore(model, [])
    new = search(model, [])
    return analysis.find_lasso(ref, analysis.build_graph(ref), prop), graph.find_lasso(new, new.graph(), prop)


CITE = "toy/toy.py toy @ pike"


@pytest.mark.parametrize("steps", [
    (("toy.start", "start", True), ("toy.requeue", "requeue", True), ("toy.finish", "finish", True)),
    (("toy.start", "start", True), ("toy.finish", "finish", True), ("toy.spin", "spin", True)),
    (("toy.start", "start", False), ("toy.finish", "finish", True), ("toy.spin", "spin", True)),
    (("toy.start", "start", True), ("toy.jam", "jam", True), ("toy.finish", "finish", True),
     ("toy.spin", "spin", True)),
])
def test_array_liveness_gives_the_networkx_lasso(steps):
    ref, new = both_lassos(system(*steps), PENDING)
    assert ref == new


def test_array_liveness_gives_the_networkx_lasso_on_a_fair_ring():
    slots = (Slot("ring", "ring", None, RING.states, RING.initial, RING),)
    actions = []
    for name, trigger, fair in (("toy.ab", "ab", False), ("toy.ba", "ba", False), ("toy.ac", "ac", False),
                                ("toy.ca", "ca", True), ("toy.finish", "finish", True), ("toy.rest", "rest", True)):
        step = Step(name, "toy", CITE, (Outcome("ok"),), scope=INSTANCE, fair=fair)
        actions.append(Action(step, step.outcomes[0], (), (), ((0, trigger),), ()))
    prop = Property("ends", LIVENESS, "", lambda s, q: s.get("ring") != "done")
    ref, new = both_lassos(System(RELEASES["pike"], 0, 1, slots, tuple(actions), (("a",),)), prop)
    assert ref == new and ref.cycle


def test_array_liveness_on_the_real_model_with_a_violation():
    from test_progress_findings import WithoutAlreadyGone
    broken = WithoutAlreadyGone(**{f.name: getattr(RELEASES["queens"], f.name)
                                   for f in dataclasses.fields(type(RELEASES["queens"]))})
    ref, new = both_lassos(compose(broken, 1, 2), REGISTRY["detach_terminates"])
    assert ref is not None and ref == new
    ref, new = both_lassos(compose(RELEASES["pike"], 1, 2), REGISTRY["detach_terminates"])
    assert ref is None and new is None


@pytest.mark.parametrize("release", ["pike", "queens-eol", "master"])
def test_array_recoverability_gives_the_networkx_stuck_state(release):
    from detachcheck.checker.run import at_rest_failures
    model = compile_system(compose(RELEASES[release], 1, 2, operator=True, processes=False))
    ref, new = explore(model, []), search(model, [])
    target = next(p for p in REGISTRY.values() if p.kind == RECOVERABLE)
    a = analysis.find_unrecoverable(ref, analysis.build_graph(ref), target, at_rest_failures)
    b = graph.find_unrecoverable(new, new.graph(), target, at_rest_failures)
    assert a is not None and a == b


def _nodes(node, seen):
    """Every node of a row tree once, and how often each is reached."""
    if node is None:
        return
    seen[id(node)] = (node, seen.get(id(node), (node, 0))[1] + 1)
    if seen[id(node)][1] > 1:
        return
    for child in getattr(node, "parts", ()) + getattr(node, "members", ()):
        _nodes(child, seen)


def test_split_and_grouped_rows_give_every_enabled_action():
    """The frontier step's row trees (`rows.py`: splits, groups, shared nodes) against
    `CompiledModel.enabled`, state by state, on the relied-on recovery model at 2 volumes and 3
    requests, whose large rows are split, grouped and share nodes."""
    from detachcheck.checker.engine.compiled.frontier import successors, tables_for
    from detachcheck.checker.engine.compiled.rows import Group, Split
    from detachcheck.checker.recovery import relied_model

    model = relied_model(compile_system(compose(RELEASES["queens"], 2, 3, operator=True)))
    tables = tables_for(model, packing_for(model))
    seen: dict = {}
    for _, rows in tables.groups:
        for node in rows:
            _nodes(node, seen)
    kinds = {type(node) for node, _ in seen.values()}
    assert Split in kinds and Group in kinds and any(times > 1 for _, times in seen.values())
    found = search(model, [], max_states=3000, tables=tables)
    succ = successors(tables, found.states.word, found.states.extra)
    packing = tables.packing
    got: dict[int, list] = {}
    for s, a, w, x in zip(succ.source.tolist(), succ.action.tolist(), succ.word.tolist(),
                          (succ.extra if succ.extra is not None else np.zeros(len(succ.word), int)).tolist(),
                          strict=True):
        got.setdefault(s, []).append((a, packing.state(w, x)))
    for sid in range(len(found.states)):
        assert got.get(sid, []) == model.enabled(found.states[sid]), sid
