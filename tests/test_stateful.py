"""Hypothesis stateful testing over the same declarations, cross-checked with the explorer."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from detachcheck.checker.engine.compiled.compile import compile_system
from detachcheck.checker.stateful import SIZES, Stats, machine_class
from detachcheck.checker.trace import replay
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.variants import VARIANTS

QUICK = settings(max_examples=25, stateful_step_count=30, deadline=None,
                 suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("release", list(RELEASES))
def test_machines_agree_with_the_explorer(release):
    """Random interleavings: the machines, the compiled tables and the explorer agree at every
    step, and every property the explorer proved holds (the profile sets the budget)."""
    stats = Stats()
    # Two volumes (2.7M states with every process and operator command) only in the deep profile.
    sizes = SIZES if settings().max_examples >= 1000 else tuple(s for s in SIZES if s[0] == 1)
    cls = machine_class({release: RELEASES[release]}, sizes=sizes, stats=stats)
    budget = max(10, settings().max_examples // 4)
    run_state_machine_as_test(cls, settings=settings(settings(), max_examples=budget, deadline=None,
                                                     suppress_health_check=list(HealthCheck)))
    assert stats.steps > 0 and {name for name, _ in stats.states} == {release}


def test_weakened_variant_fails_with_a_replayable_trace(tmp_path):
    variant = VARIANTS["pike-broken-root-check"]
    cls = machine_class({variant.name: variant.release()}, sizes=((1, 1),),
                        expect_from={variant.name: RELEASES["pike"]}, trace_dir=tmp_path)
    with pytest.raises(AssertionError, match="root_volume_never_detached"):
        run_state_machine_as_test(cls, settings=settings(QUICK, max_examples=300, stateful_step_count=8,
                                                         derandomize=True, database=None))
    trace = (tmp_path / "hypothesis-failure.trace").read_text()
    assert trace.startswith("# root_volume_never_detached")
    result = replay(trace)
    assert [v["id"] for v in result.violations] == ["root_volume_never_detached"]
    assert result.violations[0]["step"] == len(result.steps)  # shrunk: it breaks at the last step


def drop_condition(label: str, component: str):
    """A broken compiler: forgets the guard on `component` for actions `label`."""
    def compiler(system):
        model = compile_system(system)
        actions = []
        for ca in model.actions:
            if ca.action.label.startswith(label):
                keep = tuple((slot, ok) for slot, ok in ca.checks
                             if system.slots[slot].component != component)
                ca = dataclasses.replace(ca, checks=keep)
            actions.append(ca)
        return dataclasses.replace(model, actions=tuple(actions))
    return compiler


def test_cross_check_catches_a_compiler_that_drops_a_condition():
    cls = machine_class({"pike": RELEASES["pike"]}, sizes=((1, 1),),
                        compiler=drop_condition("api.begin_detaching:invalid", "volume"))
    with pytest.raises(AssertionError, match="cross-check"):
        # no shrinking needed here: any failing example shows the disagreement
        run_state_machine_as_test(cls, settings=settings(QUICK, derandomize=True, database=None,
                                                         phases=[Phase.generate]))
