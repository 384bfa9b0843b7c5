"""No dead model code: every declared transition and step outcome is taken in some explored
state of some release, unless it says why it cannot be (`unreachable=`)."""

from __future__ import annotations

import pytest

from detachcheck.checker.outputs.coverage import Coverage, coverage, declared_transitions
from detachcheck.checker.run import run_check
from detachcheck.fsm.protocol import STEPS
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import INSTANCE_LIFECYCLES, VOLUME_LIFECYCLES

# Operator recovery on, and three racing requests once, so that every lock holder is used.
SCENARIOS = [(name, 1, 2, True) for name in RELEASES] + [("pike-eol", 1, 3, False)]


@pytest.fixture(scope="module")
def taken() -> Coverage:
    total = Coverage()
    for name, volumes, requests, operator in SCENARIOS:
        total.update(coverage(run_check(name, volumes, requests, operator=operator, likelihood=False,
                                        recoveries=False).exploration))
    return total


def declared() -> tuple[set, set]:
    """(transitions, marked unreachable) over every lifecycle and every release's request lifecycle."""
    lifecycles = [*VOLUME_LIFECYCLES, *INSTANCE_LIFECYCLES]
    transitions, marked = set(), set()
    for lc in lifecycles:
        transitions |= declared_transitions(lc.name, lc.transitions)
        marked |= declared_transitions(lc.name, tuple(tr for tr in lc.transitions if tr.unreachable))
    for rel in RELEASES.values():
        transitions |= declared_transitions("request", rel.request().transitions)
    return transitions, marked


def test_every_transition_is_taken_or_says_why_not(taken):
    transitions, marked = declared()
    dead = sorted(transitions - taken.transitions - marked)
    assert not dead, f"declared transitions no release takes: {dead}"
    stale = sorted(marked & taken.transitions)
    assert not stale, f"marked unreachable but taken: {stale}"


def test_every_step_outcome_is_taken_or_says_why_not(taken):
    outcomes = {f"{s.name}:{o.name}" for s in STEPS for o in s.outcomes}
    marked = {f"{s.name}:{o.name}" for s in STEPS for o in s.outcomes if o.unreachable}
    dead = sorted(outcomes - taken.outcomes - marked)
    assert not dead, f"declared outcomes no release takes: {dead}"
    assert not marked & taken.outcomes


def test_coverage_sees_a_missing_transition():
    """The check itself can fail: a scenario without processes never stops the instance."""
    cov = coverage(run_check("pike", 1, 1, processes=False).exploration)
    assert ("instance", "stop", "ACTIVE/None/host") not in cov.transitions
    assert ("disk", "ack_unplug", "live, unplug pending") in cov.transitions
