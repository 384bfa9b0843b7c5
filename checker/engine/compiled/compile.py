"""Compile a composed system into plain tables, once.

Each lifecycle's `transitions` machine is read (`machine.events[trigger].transitions`)
into `trigger -> (state index -> next state index)`. Each bound action then becomes a
guard (slot -> allowed value indices) and writes (slot -> next value per current value).
The explorer, and anything else that steps the model, reads only these tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from detachcheck.fsm.lifecycle import Lifecycle
from detachcheck.fsm.system import ANY, Action, System
from detachcheck.fsm.view import Layout

State = tuple[int, ...]


class CompileError(Exception):
    """A declaration the compiler cannot turn into tables."""


@dataclass(frozen=True)
class CompiledAction:
    """A bound step outcome as tables: enabled iff every `checks` slot holds an allowed value."""

    action: Action
    checks: tuple[tuple[int, frozenset[int]], ...]
    writes: tuple[tuple[int, tuple[int, ...]], ...]

    @property
    def label(self) -> str:
        return self.action.label


@dataclass(frozen=True)
class CompiledModel:
    """The one intermediate form: initial state tuple and compiled actions."""

    system: System
    layout: Layout
    initials: tuple[State, ...]
    actions: tuple[CompiledAction, ...]
    dispatch: tuple[tuple[int, tuple[tuple[int, ...], ...]], ...]
    """(key slot, value -> candidate action indices): only actions whose key slot allows the
    state's value are looked at, so the search skips most disabled actions without a check."""

    def enabled(self, state: State) -> list[tuple[int, State]]:
        """(action index, successor) for every action enabled in `state`, in dispatch order."""
        out = []
        for key, table in self.dispatch:
            for i in table[state[key]]:
                a = self.actions[i]
                for slot, ok in a.checks:
                    if state[slot] not in ok:
                        break
                else:
                    nxt = list(state)
                    for slot, writes in a.writes:
                        nxt[slot] = writes[state[slot]]
                    out.append((i, tuple(nxt)))
        return out


def trigger_tables(lifecycle: Lifecycle) -> dict[str, dict[int, int]]:
    """Read the lifecycle's `transitions` machine into trigger -> {source index: dest index}
    (read-only: kept per declaration, since a check compiles its scenario's models several times)."""
    key = (type(lifecycle), lifecycle.name, lifecycle.states, lifecycle.initial, lifecycle.transitions)
    if key not in _TRIGGER_TABLES:
        _TRIGGER_TABLES[key] = _read_machine(lifecycle)
    return _TRIGGER_TABLES[key]


_TRIGGER_TABLES: dict[tuple, dict[str, dict[int, int]]] = {}


def _read_machine(lifecycle: Lifecycle) -> dict[str, dict[int, int]]:
    machine = lifecycle.machine()
    index = {name: i for i, name in enumerate(lifecycle.states)}
    tables: dict[str, dict[int, int]] = {}
    for trigger, event in machine.events.items():
        table: dict[int, int] = {}
        for source, transitions in event.transitions.items():
            if len(transitions) != 1 or transitions[0].conditions:
                raise CompileError(f"{lifecycle.name}.{trigger} from {source}: conditional or "
                                   "ambiguous transitions cannot be compiled to a table")
            dest = transitions[0].dest
            table[index[source]] = index[dest if dest is not None else source]
        tables[trigger] = table
    return tables


def _restrict(allowed: dict[int, set[int]], slot: int, values: set[int]) -> None:
    allowed[slot] = allowed[slot] & values if slot in allowed else set(values)


def compile_action(system: System, tables: dict[str, dict[str, dict[int, int]]], action: Action) -> CompiledAction:
    """One bound action as a guard (slot -> allowed values) and writes (slot -> next value)."""
    allowed: dict[int, set[int]] = {}
    writes: dict[int, dict[int, int]] = {}
    for slot, names in action.requires:
        _restrict(allowed, slot, {system.slots[slot].values.index(n) for n in names})
    for slot, trigger in action.fires:
        lc = system.slots[slot].lifecycle
        if lc is None or trigger not in tables[lc.name]:
            raise CompileError(f"{action.label}: {system.slots[slot].label} has no trigger {trigger!r}")
        table = tables[lc.name][trigger]
        if slot in writes:  # two triggers on one slot: compose them in order
            table = {s: table[m] for s, m in writes[slot].items() if m in table}
        _restrict(allowed, slot, set(table))
        writes[slot] = table
    for slot, src, dst in action.assigns:
        values = system.slots[slot].values
        if src == ANY:
            writes[slot] = {v: values.index(dst) for v in range(len(values))}
            continue
        _restrict(allowed, slot, {values.index(src)})
        writes[slot] = {values.index(src): values.index(dst)}
    checks = tuple(sorted((slot, frozenset(vals)) for slot, vals in allowed.items()))
    if any(not vals for _, vals in checks):
        raise CompileError(f"{action.label}: its guard contradicts the triggers it fires")
    write_tables = tuple((slot, tuple(table.get(v, v) for v in range(len(system.slots[slot].values))))
                         for slot, table in sorted(writes.items()))
    return CompiledAction(action, checks, write_tables)


def compile_system(system: System) -> CompiledModel:
    """Compile every bound action of `system` into guard and write tables."""
    tables: dict[str, dict[str, dict[int, int]]] = {}
    for slot in system.slots:
        if slot.lifecycle is not None and slot.lifecycle.name not in tables:
            tables[slot.lifecycle.name] = trigger_tables(slot.lifecycle)
    actions = tuple(compile_action(system, tables, a) for a in system.actions)
    initials = tuple(tuple(slot.values.index(name) for slot, name in zip(system.slots, init, strict=True))
                     for init in system.initials)
    return CompiledModel(system, Layout(system), initials, actions, dispatch_tables(system, actions))


def dispatch_tables(system: System, actions: tuple[CompiledAction, ...]) -> tuple[
        tuple[int, tuple[tuple[int, ...], ...]], ...]:
    """Group actions by one guarded slot each (the most selective), per value of that slot."""
    groups: dict[int, list[list[int]]] = {}
    unguarded = []
    for i, a in enumerate(actions):
        if not a.checks:
            unguarded.append(i)
            continue
        key, ok = min(a.checks, key=lambda c: (len(c[1]) / len(system.slots[c[0]].values), c[0]))
        table = groups.setdefault(key, [[] for _ in system.slots[key].values])
        for value in ok:
            table[value].append(i)
    if unguarded:  # an action with no guard at all is a candidate in every state
        table = groups.setdefault(0, [[] for _ in system.slots[0].values])
        for row in table:
            row.extend(unguarded)
            row.sort()
    return tuple((key, tuple(tuple(row) for row in table)) for key, table in sorted(groups.items()))
