"""The searches that save work: the graph recorded during the search is the one recomputed after it,
and the goal-directed recoverability search gives the verdict of the exhaustive one, storing less."""

from __future__ import annotations

import numpy as np
import pytest

from detachcheck.checker.engine.compiled.compile import compile_system
from detachcheck.checker.engine.compiled.frontier import tables_for
from detachcheck.checker.engine.compiled.pack import packing_for
from detachcheck.checker.engine.compiled.readsets import Memo
from detachcheck.checker.engine.compiled.symmetry import symmetry_for
from detachcheck.checker.engine.graphs import graph
from detachcheck.checker.engine.searches.reaching import goal_search
from detachcheck.checker.engine.searches.search import search
from detachcheck.checker.recovery import checked_keys, recovery_model, relied_search
from detachcheck.checker.run import at_rest_failures, likely_entries, run_check
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import compose
from detachcheck.properties import all_properties
from detachcheck.properties.registry import REGISTRY

TARGET = REGISTRY["recoverable"]


@pytest.mark.parametrize(("release", "volumes", "requests", "reduce"), [
    ("pike", 1, 2, None), ("queens", 2, 2, "all"), ("pike", 2, 2, "volumes"), ("master", 1, 3, "all")])
def test_recorded_graph_is_the_recomputed_one(release, volumes, requests, reduce):
    model = compile_system(compose(RELEASES[release], volumes, requests))
    tables = tables_for(model, packing_for(model))
    sym = None if reduce is None else symmetry_for(model, tables.packing, requests=reduce == "all")
    recorded = search(model, [], symmetry=sym, tables=tables, edges=True).graph()
    plain = search(model, [], symmetry=sym, tables=tables)
    again = graph.successor_graph(plain)
    for part in ("targets", "actions", "indptr"):
        assert np.array_equal(getattr(recorded, part), getattr(again, part))
    assert recorded.taken == again.taken
    assert (recorded.moves is None) == (again.moves is None)
    if recorded.moves is not None:
        assert np.array_equal(recorded.moves, again.moves)


def exhaustive_and_goal_directed(release: str, volumes: int, requests: int):
    model = compile_system(compose(RELEASES[release], volumes, requests))
    checked = search(model, [], symmetry=symmetry_for(model, tables_for(model, packing_for(model)).packing))
    full = recovery_model(checked, RELEASES[release], False, True, False)  # every state's whole closure
    exhaustive = graph.find_unrecoverable(full.exploration, full.graph, TARGET, at_rest_failures, full.starts)
    relied, tables, sym = relied_search(checked, RELEASES[release], False, True)
    ops, starts, good = goal_search(relied, tables, *checked_keys(checked, tables.packing),
                                Memo(relied.layout, TARGET.check), sym)
    assert ops.complete
    directed = graph.find_unrecoverable(ops, ops.graph(), TARGET, at_rest_failures, starts, good)
    return exhaustive, directed, len(full.exploration.states), len(ops.states)


@pytest.mark.parametrize(("release", "volumes", "requests", "stuck"), [
    ("pike", 1, 3, False), ("queens", 1, 3, True), ("wallaby", 1, 2, True), ("master", 2, 2, False)])
def test_goal_directed_recoverability_gives_the_exhaustive_verdict(release, volumes, requests, stuck):
    exhaustive, directed, all_states, stored = exhaustive_and_goal_directed(release, volumes, requests)
    assert (exhaustive is not None) is stuck  # both verdicts occur among the cases
    assert directed == exhaustive  # the same first stuck state, closure, steps tried and closest state
    assert stored < all_states


def test_goal_directed_search_expands_a_stuck_start_s_whole_closure():
    """A stuck start's closure is explored to the end: its size is the exhaustive search's."""
    exhaustive, directed, _, _ = exhaustive_and_goal_directed("queens", 1, 2)
    assert exhaustive is not None and directed is not None
    assert directed.closure == exhaustive.closure > 1


def test_goal_directed_search_stops_at_the_first_stuck_start():
    """The starts after the first stuck one need no answer: their closures are not explored. At
    queens 2 volumes / 2 requests some 27,000 starts are stuck; exploring all their closures
    stored 5.7 times the checked states, stopping at the first stores well under twice."""
    model = compile_system(compose(RELEASES["queens"], 2, 2))
    checked = search(model, [])
    relied, tables, sym = relied_search(checked, RELEASES["queens"], False, False)
    ops, starts, good = goal_search(relied, tables, *checked_keys(checked, tables.packing),
                                    Memo(relied.layout, TARGET.check), sym)
    stuck = graph.find_unrecoverable(ops, ops.graph(), TARGET, at_rest_failures, starts, good)
    assert ops.complete and stuck is not None
    assert len(ops.states) < 2 * len(checked.states)


@pytest.mark.parametrize(("release", "volumes", "requests", "symmetry"),
                         [("queens", 1, 2, False), ("pike", 2, 2, True)])
def test_likely_search_stops_at_its_goals_with_the_whole_searchs_paths(release, volumes, requests, symmetry):
    """The likely model's counterexamples (`run.likely_entries`) come from a search that ends once
    each target is found; they are those of the whole likely check, and it stores fewer states."""
    checked = run_check(release, volumes, requests, symmetry=symmetry, recoveries=False)
    targets = sorted(e["id"] for e in [*checked.report["properties"], *checked.report["incidents"]]
                     if (e.get("likelihood") or {}).get("window"))
    assert targets  # these sizes have narrow-window counterexamples
    early = likely_entries(RELEASES[release], volumes, requests, targets, None, False, True, symmetry, None)
    whole = run_check(release, volumes, requests, [t for t in targets if t in REGISTRY], symmetry=symmetry,
                      likely=True, likelihood=False, recoveries=False)
    entries = {e["id"]: e for e in [*whole.report["properties"], *whole.report["incidents"]]}
    for pid in targets:
        for key in ("verdict", "length", "start", "path"):
            assert early[pid][key] == entries[pid][key], (pid, key)
    model = compile_system(compose(RELEASES[release], volumes, requests, likely=True))
    props = [p for p in all_properties() if p.id in targets]
    cut = search(model, props, goals=frozenset(p.id for p in props))
    assert cut.stopped == "found" and set(cut.found) >= {p.id for p in props}
    assert len(cut.states) < len(search(model, props).states) / 2


def test_recoveries_past_the_limit_are_those_of_the_joint_search(monkeypatch):
    """Each counterexample's recovery is searched cheapest-first from its own end; an end past
    RECOVERY_LIMIT states falls back to the joint search of the relied-on model: both give the
    same recoveries (here every end is forced through the fallback)."""
    from detachcheck.checker import run

    def recoveries(report):
        return {e["id"]: e["recovery"] for e in [*report["properties"], *report["incidents"]] if "recovery" in e}

    own = recoveries(run_check("pike", 1, 2, likelihood=False).report)
    monkeypatch.setattr(run, "RECOVERY_LIMIT", 1)
    joint = recoveries(run_check("pike", 1, 2, likelihood=False).report)
    assert own and any(r is not None for r in own.values())
    assert joint == own
