"""Tabulated properties agree with the Python predicates, on reachable and on arbitrary states."""

from __future__ import annotations

import random

import pytest

from detachcheck.checker.engine.compiled.compile import compile_system
from detachcheck.checker.engine.searches.explore import explore
from detachcheck.checker.exports.invariants import exported_properties
from detachcheck.checker.exports.tabulate import TabulateError, decision_diagram, tabulate
from detachcheck.checker.outputs.report import TracingView
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import compose
from detachcheck.properties import all_properties
from detachcheck.properties.registry import ALWAYS, AT_REST

EXPORTED = [p for p in all_properties() if p.kind in (ALWAYS, AT_REST)]


@pytest.fixture(scope="module")
def pike_v2r2():
    return compile_system(compose(RELEASES["pike"], 2, 2))


def random_states(model, n, seed=7):
    rng = random.Random(seed)
    domains = [len(s.values) for s in model.system.slots]
    return [tuple(rng.randrange(d) for d in domains) for _ in range(n)]


@pytest.mark.parametrize("prop", EXPORTED, ids=[p.id for p in EXPORTED])
def test_table_equals_predicate_on_arbitrary_states(prop, pike_v2r2):
    table = tabulate(prop.check, pike_v2r2.layout)
    view = pike_v2r2.layout.view
    for state in random_states(pike_v2r2, 3000):
        assert table.holds(state) == prop.check(view(state)), state


def test_tables_equal_predicates_on_every_reachable_state():
    model = compile_system(compose(RELEASES["queens"], 1, 2))
    props = exported_properties(model)
    run = explore(model, [])
    view = model.layout.view
    for state in run.states:
        s = view(state)
        assert props.at_rest.holds(state) == s.at_rest
        expected = [p.id for p in EXPORTED if (p.kind == ALWAYS or s.at_rest) and not p.check(s)]
        assert props.violated(state) == expected


def test_reads_cover_what_the_predicate_reads(pike_v2r2):
    layout = pike_v2r2.layout
    where = layout.where
    for prop in EXPORTED:
        table = tabulate(prop.check, layout)
        for state in random_states(pike_v2r2, 300):
            view = TracingView(layout, state)
            prop.check(view)
            assert {where[key] for key in view.read} <= set(table.reads), prop.id


def test_cubes_are_widened_to_the_predicates_shape(pike_v2r2):
    table = tabulate(next(p for p in EXPORTED if p.id == "root_volume_never_detached").check, pike_v2r2.layout)
    slots = pike_v2r2.system.slots
    # not in-use, or BDM destroyed: two one-literal cubes, not the four paths of the diagram
    assert [[slots[s].label for s, _ in c.literals] for c in table.violations] == [["volume[root]"], ["bdm[root]"]]
    per_volume = tabulate(next(p for p in EXPORTED if p.id == "available_implies_not_in_guest").check,
                          pike_v2r2.layout)
    assert len(per_volume.violations) == 3  # one cube per volume, whatever the other volumes hold


def test_a_constant_predicate_has_no_reads():
    model = compile_system(compose(RELEASES["pike"], 1, 1))
    assert tabulate(lambda s: True, model.layout).violations == ()
    never = tabulate(lambda s: False, model.layout)
    assert [c.literals for c in never.violations] == [()]
    assert decision_diagram(lambda s: s.instance() == s.instance(), model.layout)[0] is True


def test_a_predicate_that_raises_or_returns_a_non_bool_is_refused():
    model = compile_system(compose(RELEASES["pike"], 1, 1))
    with pytest.raises(TabulateError, match="KeyError"):
        tabulate(lambda s: {"up": True}[s.get("service")], model.layout)
    with pytest.raises(TabulateError, match="not a bool"):
        tabulate(lambda s: s.instance(), model.layout)
