"""Structural checks on every declared machine and step (python-statemachine habit)."""

from __future__ import annotations

import re

import networkx as nx
import pytest

from detachcheck.checker.outputs.diagrams import lifecycles
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.request import ENDS
from detachcheck.fsm.step import Step
from detachcheck.fsm.vocabulary import STEP_NAMES

CITE = re.compile(r"[\w./-]+\.py .+ @ (pike|ocata|queens|wallaby|master)(-eol|-eom)?\b")

ALL = lifecycles()


@pytest.mark.parametrize("lifecycle", ALL, ids=[lc.name for lc in ALL])
def test_lifecycle_is_well_formed(lifecycle):
    assert lifecycle.initial in lifecycle.states
    assert len(set(lifecycle.states)) == len(lifecycle.states)
    graph = nx.DiGraph()
    graph.add_nodes_from(lifecycle.states)
    for tr in lifecycle.transitions:
        for src in tr.source:
            assert src in lifecycle.states
            assert tr.dest is None or tr.dest in lifecycle.states
            graph.add_edge(src, tr.dest or src)
    unreachable = set(lifecycle.states) - nx.descendants(graph, lifecycle.initial) - {lifecycle.initial}
    if lifecycle.name.startswith("request"):
        unreachable -= set(ENDS)  # an end a release cannot reach is reported by the checker, not here
    assert not unreachable, f"{lifecycle.name}: unreachable states {unreachable}"


@pytest.mark.parametrize("lifecycle", ALL, ids=[lc.name for lc in ALL])
def test_every_transition_is_cited(lifecycle):
    for tr in lifecycle.transitions:
        assert CITE.search(tr.cite), f"{lifecycle.name}.{tr.trigger}: bad citation {tr.cite!r}"
    machine = lifecycle.machine()
    for event in machine.events.values():
        for transitions in event.transitions.values():
            assert all(CITE.search(t.cite) for t in transitions)


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_every_step_is_cited_and_named_in_the_domain_vocabulary(release):
    for step in RELEASES[release].steps():
        assert isinstance(step, Step)
        assert step.name in STEP_NAMES, f"{step.name} is not a domain.md section 4 step name"
        assert CITE.search(step.cite), f"{step.name}: bad citation {step.cite!r}"
        assert step.outcomes, f"{step.name} has no outcome in {release}"
        for o in step.outcomes:  # outcomes sharing a name differ only in their guards
            same = [p for p in step.outcomes if p.name == o.name]
            assert {p.then for p in same} == {o.then}, f"{step.name}:{o.name} leads to two places in {release}"
        for o in step.outcomes:
            if o.fault:
                assert o.raises or o.handling, f"{step.name}:{o.name}: a fault must say what is raised"


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_request_lifecycle_has_one_transition_per_step_outcome(release):
    rel = RELEASES[release]
    lifecycle = rel.request()
    triggers = {t.trigger for t in lifecycle.transitions}
    expected = {f"{s.name}:{o.name}" for s in rel.steps() if s.scope == "request" for o in s.outcomes
                if any(src in lifecycle.states for src in s.at)}
    assert triggers == expected | {"crash", "retry"}
