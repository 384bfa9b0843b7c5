"""Hypothesis stateful testing generated from the same declarations, cross-checked against the
explorer.

The generated `RuleBasedStateMachine` has one rule per declared `step:outcome` (precondition: some
instance of it is enabled) and one invariant per property. It drives the declared `transitions`
machines themselves (one per component, triggers fired on them), and after every step asserts
that the machines agree with the compiled tables the explorer uses: the same enabled actions,
the same successor, a state the explorer reached. A failing example is written as a trace that
`detachcheck replay` reproduces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from hypothesis.control import current_build_context
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from transitions import MachineError

from detachcheck.checker.engine.compiled.compile import CompiledModel, compile_system
from detachcheck.checker.engine.searches.packed import PackedExploration
from detachcheck.checker.engine.searches.search import search
from detachcheck.checker.outputs.files import write_atomic
from detachcheck.checker.outputs.report import verdict
from detachcheck.fsm.protocol import STEPS
from detachcheck.fsm.releases import RELEASES, Release
from detachcheck.fsm.system import ANY, System, compose
from detachcheck.properties import all_properties
from detachcheck.properties.registry import ALWAYS, AT_REST, Property

SIZES = ((1, 1), (1, 2), (2, 1))


class Component:
    """The model object a component's `transitions` machine drives (its `state` attribute)."""

    state: str


@dataclass
class Reference:
    """Everything about one scenario the cross-check compares with, computed once."""

    system: System
    model: CompiledModel
    reached: Reached
    expected: tuple[Property, ...]  # properties the explorer proved to hold here
    enabled_cache: dict[tuple[int, tuple[str, ...]], bool] = field(default_factory=dict)
    """What the machines accept (action, the values of the slots it reads) -> bool, learnt by firing."""
    by_state: dict[tuple[str, ...], dict[str, list[int]]] = field(default_factory=dict)
    machines: dict[int, tuple[Component, Any]] = field(default_factory=dict)
    """One `transitions` machine (and its model object) per lifecycle slot, reused by every example."""


@dataclass
class Stats:
    """What fuzzing exercised, across examples."""

    steps: int = 0
    examples: int = 0
    states: set[tuple[str, tuple[int, ...]]] = field(default_factory=set)
    outcomes: set[str] = field(default_factory=set)


_REFERENCES: dict[tuple[str, int, int], Reference] = {}


class Reached:
    """Whether the explorer reached a state, asked of its packed states (no set of tuples)."""

    def __init__(self, exploration: PackedExploration) -> None:
        self.exploration = exploration

    def __contains__(self, state: object) -> bool:
        word, extra = self.exploration.packing.pack_states([state])  # type: ignore[list-item]
        return bool(self.exploration.ids_of(word, extra)[0] >= 0)


def reference(release: Release, volumes: int, requests: int,
              compiler: Callable[[System], CompiledModel] = compile_system,
              expect_from: Release | None = None) -> Reference:
    """The explorer's view of a scenario (every process and operator recovery on), cached."""
    key = (f"{release.name}:{id(compiler)}:{expect_from.name if expect_from else ''}", volumes, requests)
    if key not in _REFERENCES:
        system = compose(release, volumes, requests, operator=True, processes=True)
        truth = compile_system(compose(expect_from or release, volumes, requests, operator=True, processes=True))
        props = tuple(p for p in all_properties() if p.kind in (ALWAYS, AT_REST))
        run = search(truth, props)
        expected = tuple(p for p in props if verdict(p, run, p.id in run.found) == "holds")
        reached = Reached(search(compile_system(system), []) if expect_from else run)
        ref = Reference(system, compiler(system), reached, expected)
        for i, slot in enumerate(system.slots):
            if slot.lifecycle is not None:
                comp = Component()
                ref.machines[i] = (comp, slot.lifecycle.machine(model=comp))
        _REFERENCES[key] = ref
    return _REFERENCES[key]


def machine_class(releases: dict[str, Release] | None = None, sizes: tuple[tuple[int, int], ...] = SIZES,
                  compiler: Callable[[System], CompiledModel] = compile_system,
                  expect_from: dict[str, Release] | None = None, trace_dir: Path | None = None,
                  stats: Stats | None = None) -> type[RuleBasedStateMachine]:
    """A state machine over the given releases and sizes (drawn by Hypothesis)."""
    releases = releases or dict(RELEASES)
    names = sorted(releases)

    class DetachMachine(RuleBasedStateMachine):
        @initialize(data=st.data())
        def setup(self, data: st.DataObject) -> None:
            name = data.draw(st.sampled_from(names), label="release")
            volumes, requests = data.draw(st.sampled_from(sizes), label="size")
            base = (expect_from or {}).get(name)
            self.ref = reference(releases[name], volumes, requests, compiler, base)
            system = self.ref.system
            init = data.draw(st.sampled_from(system.initials), label="initial state")
            self.slots = system.slots
            self.components: list[Component | None] = []
            self.machines: list[Any] = []
            self.variables: dict[int, str] = {}
            for i, (slot, value) in enumerate(zip(system.slots, init, strict=True)):
                if slot.lifecycle is None:
                    self.components.append(None)
                    self.machines.append(None)
                    self.variables[i] = value
                else:  # the scenario's machines are built once and put back to the initial state
                    comp, machine = self.ref.machines[i]
                    machine.set_state(value, model=comp)
                    self.components.append(comp)
                    self.machines.append(machine)
            self.index = [{name: k for k, name in enumerate(slot.values)} for slot in system.slots]
            self.enabled_cache = self.ref.enabled_cache
            self.by_state = self.ref.by_state
            self.version = 0  # bumped by every step: the enabled set is computed once per state
            self.enabled_at: tuple[int, dict[str, list[int]]] = (-1, {})
            self.ref_slots = [sorted({s for s, _ in a.action.requires} | {s for s, _ in a.action.fires}
                                     | {s for s, _, _ in a.action.assigns}) for a in self.ref.model.actions]
            self.trace = [f"release: {name}", f"volumes: {volumes}", f"requests: {requests}"]
            if init != system.initials[0]:
                self.trace.append("start: " + " ".join(
                    f"{s.label}={v}" for s, v, w in zip(system.slots, init, system.initials[0], strict=True) if v != w))
            self.started: list[str] = []
            if stats is not None:
                stats.examples += 1

        # -- the machines' view -------------------------------------------------------------

        def names(self) -> tuple[str, ...]:
            return tuple(self.variables[i] if c is None else c.state for i, c in enumerate(self.components))

        def state(self) -> tuple[int, ...]:
            return tuple(self.index[i][n] for i, n in enumerate(self.names()))

        def machine_enabled(self, ai: int, names: tuple[str, ...]) -> bool:
            """Whether the machines accept this action here: its guard, then its triggers, fired
            for real on the machines and undone (memoised on the slots it reads)."""
            action = self.ref.model.actions[ai].action
            slots = self.ref_slots[ai]
            key = (ai, tuple(names[s] for s in slots))
            if key not in self.enabled_cache:
                ok = all(names[s] in allowed for s, allowed in action.requires) and all(
                    names[s] == src or src == ANY for s, src, _ in action.assigns)
                if ok:
                    saved = {s: self.components[s].state for s, _ in action.fires}
                    try:
                        for s, trig in action.fires:
                            self.components[s].trigger(trig)
                    except MachineError:
                        ok = False
                    finally:
                        for s, value in saved.items():
                            self.machines[s].set_state(value, model=self.components[s])
                self.enabled_cache[key] = ok
            return self.enabled_cache[key]

        def enabled(self) -> dict[str, list[int]]:
            """Enabled action indices by `step:outcome`, computed once per state."""
            if self.enabled_at[0] != self.version:
                names = self.names()
                if names not in self.by_state:  # states repeat a lot across examples
                    by_label: dict[str, list[int]] = {}
                    for ai in range(len(self.ref.model.actions)):
                        if self.machine_enabled(ai, names):
                            a = self.ref.model.actions[ai].action
                            by_label.setdefault(f"{a.step.name}:{a.outcome.name}", []).append(ai)
                    self.by_state[names] = by_label
                self.enabled_at = (self.version, self.by_state[names])
            return self.enabled_at[1]

        def fire(self, ai: int) -> None:
            action = self.ref.model.actions[ai].action
            before = self.state()
            for s, trig in action.fires:
                self.components[s].trigger(trig)
            for s, _src, dst in action.assigns:
                self.variables[s] = dst
            self.version += 1
            compiled = dict(self.ref.model.enabled(before)).get(ai)
            label = self.record(action)
            assert compiled is not None, f"cross-check: the compiled tables do not enable {label}"
            assert self.state() == compiled, (
                f"cross-check: after {label} the machines are in {self.describe(self.state())}, "
                f"the compiled tables say {self.describe(compiled)}")
            assert compiled in self.ref.reached, f"cross-check: {label} reached a state the explorer never saw"
            if stats is not None:
                stats.steps += 1
                stats.states.add((self.ref.system.release.name, compiled))
                stats.outcomes.add(f"{action.step.name}:{action.outcome.name}")

        def record(self, action: Any) -> str:
            keys = dict(action.keys)
            if "req" in keys:
                q = keys["req"]
                if action.step.binds_volume and q not in self.started:
                    self.started.append(q)
                keys["req"] = str(self.started.index(q) + 1)
            line = action.step.name + ("" if action.outcome.name == "ok" else f":{action.outcome.name}")
            line += "".join(f" {k}={v}" for k, v in sorted(keys.items()))
            self.trace.append(line)
            return line

        def describe(self, state: tuple[int, ...]) -> str:
            now = self.state()
            return ", ".join(f"{s.label}={s.values[v]}" for s, v, w in zip(self.slots, state, now, strict=True)
                             if v != w) or "the same state"

        # -- invariants ---------------------------------------------------------------------

        @invariant()
        def same_enabled_actions(self) -> None:
            if not hasattr(self, "ref"):
                return
            by_machines = {ai for group in self.enabled().values() for ai in group}
            by_tables = {ai for ai, _ in self.ref.model.enabled(self.state())}
            if by_machines != by_tables:
                actions = self.ref.model.actions
                extra = sorted(actions[ai].label for ai in by_tables - by_machines)
                missing = sorted(actions[ai].label for ai in by_machines - by_tables)
                raise AssertionError(f"cross-check: compiled tables enable {extra} that the machines refuse, "
                                     f"and refuse {missing} that the machines enable")

        @invariant()
        def properties_hold(self) -> None:
            if not hasattr(self, "ref"):
                return
            view = self.ref.model.layout.view(self.state())
            for prop in self.ref.expected:
                if prop.kind == AT_REST and not view.at_rest:
                    continue
                if not prop.check(view):
                    self.fail(f"{prop.id} ({prop.kind}) is violated: {prop.meaning}")

        def fail(self, message: str) -> None:
            text = "\n".join([f"# {message}", *self.trace]) + "\n"
            if trace_dir is not None and current_build_context().is_final:
                write_atomic(trace_dir / "hypothesis-failure.trace", text)
            raise AssertionError(f"{message}\ntrace (replay with `detachcheck replay`):\n{text}")

    for label in sorted({f"{s.name}:{o.name}" for s in STEPS for o in s.outcomes}):
        _add_rule(DetachMachine, label)
    _add_progress_rule(DetachMachine)
    return DetachMachine


def _add_rule(cls: type, label: str) -> None:
    """One rule per declared step outcome: enabled when some instance of it is."""
    def instances(self: Any) -> list[int]:
        return self.enabled().get(label, []) if hasattr(self, "ref") else []

    def some_enabled(self: Any) -> bool:
        return bool(instances(self))

    @precondition(some_enabled)
    @rule(data=st.data())
    def run(self: Any, data: st.DataObject) -> None:
        options = instances(self)
        ai = data.draw(st.sampled_from(options), label=label) if len(options) > 1 else options[0]
        self.fire(ai)

    run.__name__ = label.replace(".", "_").replace(":", "__")
    setattr(cls, run.__name__, run)



def _add_progress_rule(cls: type) -> None:
    """One more rule: advance some detach request by any of its enabled steps. Random interleavings
    are dominated by always-enabled instance operations; this keeps requests moving so that deep
    compute paths are reached too (it only adds weight, never a behaviour)."""

    def candidates(self: Any) -> list[int]:
        if not hasattr(self, "ref"):
            return []
        actions = self.ref.model.actions
        return [ai for group in self.enabled().values() for ai in group
                if "req" in dict(actions[ai].action.keys) and not actions[ai].action.step.binds_volume]

    def some_request_can_move(self: Any) -> bool:
        return bool(candidates(self))

    @precondition(some_request_can_move)
    @rule(data=st.data())
    def advance_a_request(self: Any, data: st.DataObject) -> None:
        options = sorted(candidates(self))
        self.fire(data.draw(st.sampled_from(options), label="request step") if len(options) > 1 else options[0])

    cls.advance_a_request = advance_a_request
