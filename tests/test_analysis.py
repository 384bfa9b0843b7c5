"""Liveness, deadlock and recoverability on hand-built models whose answers are known."""

from __future__ import annotations

from detachcheck.checker.engine.compiled.compile import compile_system
from detachcheck.checker.engine.graphs.analysis import build_graph, find_lasso, find_unrecoverable
from detachcheck.checker.engine.searches.explore import explore
from detachcheck.fsm.lifecycle import Lifecycle, t
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.step import INSTANCE, Outcome, Step
from detachcheck.fsm.system import Action, Slot, System
from detachcheck.properties.registry import DEADLOCK, LIVENESS, RECOVERABLE, Property

CITE = "toy/toy.py toy @ pike"

JOB = Lifecycle("job", "a job", ("queued", "running", "done", "stuck", "broken"), "queued", (
    t("start", "queued", "running", CITE),
    t("requeue", "running", "queued", CITE),
    t("finish", "running", "done", CITE),
    t("spin", "done", None, CITE),
    t("jam", "running", "stuck", CITE),
    t("break", "queued", "broken", CITE),
    t("repair", "broken", "queued", CITE),
    t("wreck", "broken", "stuck", CITE),
), per_volume=False)


def system(*steps: tuple[str, str, bool]) -> System:
    """One job slot; each (name, trigger, fair) is a step firing that trigger."""
    slots = (Slot("job", "job", None, JOB.states, JOB.initial, JOB),)
    actions = []
    for name, trigger, fair in steps:
        step = Step(name, "toy", CITE, (Outcome("ok"),), scope=INSTANCE, fair=fair)
        actions.append(Action(step, step.outcomes[0], (), (), ((0, trigger),), ()))
    return System(RELEASES["pike"], 0, 1, slots, tuple(actions), (("queued",),))


def run(sys_: System):
    ex = explore(compile_system(sys_), [])
    return ex, build_graph(ex)


PENDING = Property("job_finishes", LIVENESS, "", lambda s, q: s.get("job") != "done")


def labels(ex, lasso):
    names = [ex.model.actions[ex.via[i]].action.step.name for i in lasso.prefix[1:]]
    return names, [ex.model.actions[ai].action.step.name for _, ai, _ in lasso.cycle]


def test_livelock_is_found_as_prefix_and_cycle():
    """start/requeue forever is fair: finish is never continuously enabled (not in `queued`)."""
    ex, graph = run(system(("toy.start", "start", True), ("toy.requeue", "requeue", True),
                           ("toy.finish", "finish", True)))
    lasso = find_lasso(ex, graph, PENDING)
    assert lasso is not None
    prefix, cycle = labels(ex, lasso)
    assert prefix == []  # the initial state is already on the cycle
    assert sorted(cycle) == ["toy.requeue", "toy.start"]


def test_no_livelock_when_the_exit_stays_enabled():
    """Only start then finish: the job always ends."""
    ex, graph = run(system(("toy.start", "start", True), ("toy.finish", "finish", True),
                           ("toy.spin", "spin", True)))
    assert find_lasso(ex, graph, PENDING) is None


def test_unfair_step_may_never_happen():
    """If starting is not fair, the job may wait in `queued` forever (stuttering)."""
    ex, graph = run(system(("toy.start", "start", False), ("toy.finish", "finish", True),
                           ("toy.spin", "spin", True)))
    lasso = find_lasso(ex, graph, PENDING)
    assert lasso is not None and lasso.cycle == [] and lasso.prefix == [0]


def test_stuck_end_state_is_a_liveness_violation_and_a_deadlock():
    ex, graph = run(system(("toy.start", "start", True), ("toy.jam", "jam", True),
                           ("toy.finish", "finish", True), ("toy.spin", "spin", True)))
    lasso = find_lasso(ex, graph, PENDING)
    prefix, cycle = labels(ex, lasso)
    assert prefix == ["toy.start", "toy.jam"] and cycle == []
    dead = Property("no_deadlock", DEADLOCK, "", lambda s: s.get("job") != "done")
    ex2 = explore(compile_system(system(("toy.start", "start", True), ("toy.jam", "jam", True),
                                        ("toy.finish", "finish", True))), [dead])
    assert ex2.states[ex2.found["no_deadlock"]] == (JOB.states.index("stuck"),)


def test_unrecoverable_state_is_named_with_what_was_tried():
    target = Property("ok", RECOVERABLE, "", lambda s: s.get("job") in ("queued", "done"))
    ex, graph = run(system(("toy.break", "break", False), ("toy.repair", "repair", False),
                           ("toy.wreck", "wreck", False)))
    stuck = find_unrecoverable(ex, graph, target)
    assert stuck is not None
    assert ex.model.system.slots[0].values[ex.states[stuck.state][0]] == "stuck"
    assert stuck.closure == 1 and stuck.tried == []
    ex, graph = run(system(("toy.break", "break", False), ("toy.repair", "repair", False)))
    assert find_unrecoverable(ex, graph, target) is None


RING = Lifecycle("ring", "a ring", ("a", "b", "c", "done"), "a", (
    t("ab", "a", "b", CITE), t("ba", "b", "a", CITE), t("ac", "a", "c", CITE), t("ca", "c", "a", CITE),
    t("finish", ("a", "b"), "done", CITE), t("rest", "done", None, CITE),
), per_volume=False)


def test_the_shown_cycle_is_fair_itself():
    """a<->b keeps `finish` enabled all the way round: only a cycle through c (where it is
    disabled) is a fair way of never finishing, and that is the one shown."""
    slots = (Slot("ring", "ring", None, RING.states, RING.initial, RING),)
    actions = []
    for name, trigger, fair in (("toy.ab", "ab", False), ("toy.ba", "ba", False), ("toy.ac", "ac", False),
                                ("toy.ca", "ca", True), ("toy.finish", "finish", True), ("toy.rest", "rest", True)):
        step = Step(name, "toy", CITE, (Outcome("ok"),), scope=INSTANCE, fair=fair)
        actions.append(Action(step, step.outcomes[0], (), (), ((0, trigger),), ()))
    ex, graph = run(System(RELEASES["pike"], 0, 1, slots, tuple(actions), (("a",),)))
    lasso = find_lasso(ex, graph, Property("ends", LIVENESS, "", lambda s, q: s.get("ring") != "done"))
    assert lasso is not None
    names = {ex.model.system.slots[0].values[ex.states[j][0]] for _, _, j in lasso.cycle}
    assert "c" in names
