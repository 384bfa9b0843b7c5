"""Symmetry reduction: canonical forms, symmetric properties, equal verdicts, replayable paths."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest
from test_trace import reproduces

from detachcheck.checker.engine.compiled.compile import compile_system
from detachcheck.checker.engine.compiled.pack import packing_for
from detachcheck.checker.engine.compiled.symmetry import NotSymmetric, Symmetry, symmetry_for
from detachcheck.checker.engine.graphs.unfold import full_count
from detachcheck.checker.engine.searches.explore import explore
from detachcheck.checker.engine.searches.search import search
from detachcheck.checker.run import run_check
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import compose
from detachcheck.properties import all_properties
from detachcheck.properties.incidents import INCIDENTS
from detachcheck.properties.registry import LIVENESS


def model_of(release, volumes, requests, processes=False):
    return compile_system(compose(RELEASES[release], volumes, requests, processes=processes))


@pytest.mark.parametrize(("release", "volumes", "requests"), [("pike", 2, 2), ("queens", 1, 3), ("master", 3, 2)])
def test_canonical_form_is_one_member_per_orbit(release, volumes, requests):
    model = model_of(release, volumes, requests)
    states = explore(model, []).states
    rnd = random.Random(7)
    for requests_too in (True, False):
        sym = Symmetry(model, packing_for(model), requests_too)
        for state in rnd.sample(states, 200):
            canon = sym.canonical_state(state)
            assert canon in {sym.apply(state, g) for g in sym.group}
            assert all(sym.canonical_state(sym.apply(state, g)) == canon for g in sym.group)


@pytest.mark.parametrize(("release", "volumes", "requests"), [("pike", 3, 2), ("queens", 2, 3)])
def test_packed_canonical_forms_take_the_shortcut_only_where_nothing_moves(release, volumes, requests):
    """`canonical` leaves the states already in order as they are and sorts the rest: the same keys
    and request moves as sorting every state, on states where volumes and requests are out of order."""
    model = model_of(release, volumes, requests)
    packing = packing_for(model)
    rng = np.random.default_rng(5)
    values = np.stack([rng.integers(0, min(size, 3), 20_000).astype(np.uint8) for size in packing.sizes])
    word, extra = packing.pack(values)
    for requests_too in (True, False):
        sym = Symmetry(model, packing, requests_too)
        full, ranks = sym._canonical(values)
        moved = (full != values).any(axis=0)
        assert moved.any() and not moved.all()  # both paths are taken
        w, x, code = sym.request_moves(word, extra)
        fw, fx = packing.pack(full)
        assert (w == fw).all() and (x is None or (x == fx).all())
        n = len(sym.layout.request_slots)
        expected = sum((ranks[q] if ranks is not None else q) * n ** q for q in range(n))
        assert (code == expected).all()


@pytest.mark.parametrize(("release", "volumes", "requests"), [("pike", 2, 2), ("queens", 1, 3)])
def test_reduced_search_has_one_state_per_orbit(release, volumes, requests):
    model = model_of(release, volumes, requests)
    full = explore(model, [])
    sym = symmetry_for(model, packing_for(model))
    reduced = search(model, [], symmetry=sym)
    assert len(reduced.states) == len({sym.canonical_state(s) for s in full.states}) < len(full.states) / 2
    assert full_count(reduced, sym) == len(full.states)
    assert max(reduced.depth) == max(full.depth)


def test_every_property_treats_volumes_and_requests_alike():
    """The reduction is only sound for symmetric properties: all registered ones are."""
    model = model_of("queens", 2, 2)
    sym = Symmetry(model, packing_for(model))
    view = model.layout.view
    rnd = random.Random(3)
    states = rnd.sample(explore(model, []).states, 400)
    props = all_properties() + tuple(i.as_property() for i in INCIDENTS.values())
    for state in states:
        for g in sym.group:
            image = sym.apply(state, g)
            for p in props:
                if p.kind == LIVENESS:
                    for q in model.system.request_ids:
                        moved = model.system.request_ids[g[1][int(q) - 1]]
                        assert p.check(view(state), q) == p.check(view(image), moved), p.id
                else:
                    assert p.check(view(state)) == p.check(view(image)), p.id


def test_a_model_that_is_not_symmetric_is_refused():
    model = model_of("pike", 2, 2)
    vol2 = [i for i, a in enumerate(model.actions) if dict(a.action.keys).get("vol") == "2"]
    broken = dataclasses.replace(model, actions=tuple(a for i, a in enumerate(model.actions) if i != vol2[0]))
    with pytest.raises(NotSymmetric):
        symmetry_for(broken, packing_for(broken))


@pytest.mark.parametrize("release", list(RELEASES))
def test_same_verdicts_with_and_without_symmetry(every_release, release):
    reduced = every_release[release].report
    assert reduced["search"]["symmetry"]["full_states"] > reduced["search"]["states"]
    full = run_check(release, symmetry=False).report
    assert reduced["search"]["symmetry"]["full_states"] == full["search"]["states"]
    assert "symmetry" not in full["search"]

    def verdicts(report):
        return {e["id"]: (e["verdict"], e["length"]) for e in report["properties"] + report["incidents"]}

    assert verdicts(reduced) == verdicts(full)


@pytest.mark.parametrize(("release", "volumes", "requests", "operator"),
                         [("queens", 2, 2, False), ("pike", 2, 3, False), ("master", 2, 2, True)])
def test_counterexamples_replay_under_symmetry(release, volumes, requests, operator):
    result = run_check(release, volumes, requests, operator=operator, processes=False)
    report = result.report
    assert report["search"]["symmetry"]["group_order"] > 2
    entries = [p for p in report["properties"] if p["verdict"] == "violated"] + \
              [i for i in report["incidents"] if i["verdict"] == "reached"]
    assert entries
    for entry in entries:
        reproduces(report, entry)


def test_reduced_graph_rules_lassos_out_only_where_there_are_none():
    """The fully reduced graph settles liveness when no fair lasso exists, and lets one through
    (to the exact volume-only analysis) where the model has one."""
    from test_progress_findings import WithoutAlreadyGone

    from detachcheck.checker.engine.graphs.fair_cycles import fair_cycle_possible
    from detachcheck.properties.registry import REGISTRY

    broken = WithoutAlreadyGone(**{f.name: getattr(RELEASES["queens"], f.name)
                                   for f in dataclasses.fields(type(RELEASES["queens"]))})
    for release, volumes, expected in ((RELEASES["queens"], 2, False), (broken, 2, True)):
        model = compile_system(compose(release, volumes, 2))
        reduced = search(model, [], symmetry=symmetry_for(model, packing_for(model)))
        assert fair_cycle_possible(reduced, reduced.graph(), REGISTRY["detach_terminates"]) is expected
    result = run_check("queens", 2, 2, property_ids=["detach_terminates"], variant=broken, likelihood=False,
                       recoveries=False)
    entry = next(p for p in result.report["properties"] if p["id"] == "detach_terminates")
    assert entry["verdict"] == "violated"
    reproduces(result.report, entry)


def test_annotated_components_match_networkx_on_a_graph_with_parallel_edges():
    """fair_cycles builds the (state, tracked request) graph and hands scipy its strong components
    with parallel edges merged (scipy 1.17 loops forever on them): the components are networkx's."""
    import networkx as nx
    import numpy as np

    from detachcheck.checker.engine.compiled.readsets import Memo
    from detachcheck.checker.engine.graphs.fair_cycles import _Annotated
    from detachcheck.checker.engine.graphs.graph import evaluate
    from detachcheck.properties.registry import REGISTRY

    model = model_of("queens", 1, 2, processes=True)
    reduced = search(model, [], symmetry=symmetry_for(model, packing_for(model)), edges=True)
    graph = reduced.graph()
    prop = REGISTRY["detach_terminates"]
    bad = np.stack([evaluate(reduced, Memo(model.layout, lambda s, q=q: prop.check(s, q)))
                    for q in model.system.request_ids], axis=1)
    annotated = _Annotated(graph, bad)
    pairs = [(s, d) for j in range(annotated.r) for s, d in zip(*[a.tolist() for a in annotated.edges(j)[:2]],
                                                                    strict=True)]
    assert len(pairs) > len(set(pairs)) > 0  # parallel edges are there
    count, label = annotated.components()
    ours = {frozenset(np.flatnonzero(label == c).tolist()) for c in range(count)}
    nxg = nx.DiGraph(pairs)
    nxg.add_nodes_from(range(annotated.size))
    assert ours == {frozenset(c) for c in nx.strongly_connected_components(nxg)}
