"""Breadth-first exploration of a compiled model, with parent links: the reference engine.

The default engine is `search.py` (packed states, a level at a time with numpy); this tuple
explorer is kept as the reference the tests compare it with (same states in the same order, same
counterexamples, byte-identical reports), and `run_check(engine="tuple")` still uses it.

States are tuples of value indices; the visited set maps each to its discovery number.
Breadth-first order makes every counterexample a shortest one, and action order makes
the whole run deterministic. No graph is built here: `analysis.py` builds the successor lists
after the search, for analysis only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from detachcheck.checker.engine.compiled.compile import CompiledModel, State
from detachcheck.properties.registry import ALWAYS, AT_REST, DEADLOCK, SOMETIMES, Property

Progress = Callable[[int, int, int], None]
"""Called as progress(states, transitions, depth) every `PROGRESS_EVERY` states."""

PROGRESS_EVERY = 2048


class ParentLinks:
    """Paths read off parent links (`parent[i]`, and `via[i]`: the action into state i, -1 at an
    initial state): what every exploration and the unfolded real paths share."""

    parent: Sequence[int]
    via: Sequence[int]

    def path(self, state_id: int) -> list[int]:
        """Action indices from an initial state to `state_id`."""
        return [self.via[i] for i in self.path_states(state_id)[1:]]

    def path_states(self, state_id: int) -> list[int]:
        """State ids from an initial state to `state_id`, both included."""
        ids = [state_id]
        while self.via[state_id] >= 0:
            state_id = self.parent[state_id]
            ids.append(state_id)
        return ids[::-1]


@dataclass
class Exploration(ParentLinks):
    """What a search found: every state, its parent and the action that reached it
    (`via` is -1 for the initial states)."""

    model: CompiledModel
    states: list[State]
    parent: list[int]
    via: list[int]
    depth: list[int]
    transitions: int
    complete: bool
    found: dict[str, int] = field(default_factory=dict)
    """property id -> first state (by discovery) that violates it, or for `sometimes`, witnesses it."""


def explore(model: CompiledModel, properties: Sequence[Property], max_states: int | None = None,
            progress: Progress | None = None) -> Exploration:
    """Explore every reachable state (up to `max_states`), checking `properties` on the way."""
    layout = model.layout
    view = layout.view
    actions = model.actions
    dispatch = model.dispatch
    open_checks = {ALWAYS: [p for p in properties if p.kind == ALWAYS],
                   AT_REST: [p for p in properties if p.kind == AT_REST],
                   SOMETIMES: [p for p in properties if p.kind == SOMETIMES],
                   DEADLOCK: [p for p in properties if p.kind == DEADLOCK]}
    found: dict[str, int] = {}

    def check(sid: int, state: State) -> None:
        s = view(state)
        for prop in list(open_checks[ALWAYS]):
            if not prop.check(s):
                found[prop.id] = sid
                open_checks[ALWAYS].remove(prop)
        if open_checks[AT_REST] and s.at_rest:
            for prop in list(open_checks[AT_REST]):
                if not prop.check(s):
                    found[prop.id] = sid
                    open_checks[AT_REST].remove(prop)
        for prop in list(open_checks[SOMETIMES]):
            if prop.check(s):
                found[prop.id] = sid
                open_checks[SOMETIMES].remove(prop)

    index: dict[State, int] = {}
    states: list[State] = []
    parent: list[int] = []
    via: list[int] = []
    depth: list[int] = []
    for init in model.initials:
        if init not in index:
            index[init] = len(states)
            states.append(init)
            parent.append(len(states) - 1)
            via.append(-1)
            depth.append(0)
            check(len(states) - 1, init)
    transitions = 0
    complete = True
    head = 0
    while head < len(states):
        state = states[head]
        successors = 0  # transitions to explored states
        enabled = 0  # every enabled action, for the deadlock check
        # CompiledModel.enabled, inlined: this is the hot loop (no per-state list, no call)
        for key, table in dispatch:
            for ai in table[state[key]]:
                a = actions[ai]
                for slot, ok in a.checks:
                    if state[slot] not in ok:
                        break
                else:
                    nxt = list(state)
                    for slot, writes in a.writes:
                        nxt[slot] = writes[state[slot]]
                    t = tuple(nxt)
                    enabled += 1
                    if t not in index:
                        if max_states is not None and len(states) >= max_states:
                            complete = False
                            continue  # beyond the limit: neither explored nor counted
                        successors += 1
                        sid = len(states)
                        index[t] = sid
                        states.append(t)
                        parent.append(head)
                        via.append(ai)
                        depth.append(depth[head] + 1)
                        check(sid, t)
                    else:
                        successors += 1
        transitions += successors
        if enabled == 0 and open_checks[DEADLOCK]:
            s = view(state)
            for prop in list(open_checks[DEADLOCK]):
                if prop.check(s):
                    found[prop.id] = head
                    open_checks[DEADLOCK].remove(prop)
        head += 1
        if progress is not None and head % PROGRESS_EVERY == 0:
            progress(len(states), transitions, depth[head - 1])
    return Exploration(model, states, parent, via, depth, transitions, complete, found)
