"""Operator recovery: what an operator can rely on, and the shortest recovery from a state,
written as the commands that release's clients take.

Recovery may rely on the operator's own actions (each one command), on the instance operations an
operator starts (stop, start, hard reboot, shelve, unshelve, restarting nova-compute) and on Nova's
code running on (a request's steps, with the outcome the state decides). It may not rely on a fault
(a lost cast, a backend error: `Outcome.fault`), a crash, or the guest's cooperation
(`guest.ack_unplug`): the guest of the seed incident never lets go of the disk. What follows from
what the state itself determines (the detach's retries run out, libvirt reports the refusal, a shut-off
domain refuses a live detach: `Outcome.determined`) it may count on.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from detachcheck.checker.engine.compiled.compile import (
    CompiledAction,
    CompiledModel,
    State,
    compile_system,
    dispatch_tables,
)
from detachcheck.checker.engine.compiled.frontier import Tables, tables_for
from detachcheck.checker.engine.compiled.pack import Packing, packing_for
from detachcheck.checker.engine.compiled.readsets import Memo
from detachcheck.checker.engine.compiled.symmetry import Symmetry, symmetry_for
from detachcheck.checker.engine.graphs import analysis
from detachcheck.checker.engine.graphs.analysis import Stuck
from detachcheck.checker.engine.graphs.graph import find_unrecoverable
from detachcheck.checker.engine.searches.explore import explore
from detachcheck.checker.engine.searches.progress import RECOVERABILITY, Deadline, Progress
from detachcheck.checker.engine.searches.reaching import goal_search
from detachcheck.checker.engine.searches.search import search
from detachcheck.fsm.bdm import DESTROYED
from detachcheck.fsm.connection import CONNECTED
from detachcheck.fsm.export import MAPPED
from detachcheck.fsm.releases import Release
from detachcheck.fsm.request import in_flight
from detachcheck.fsm.step import INSTANCE
from detachcheck.fsm.system import Action, compose
from detachcheck.fsm.view import View
from detachcheck.fsm.volume import AVAILABLE
from detachcheck.properties.registry import Property

GUEST = "libvirt/guest"
CHUNK = 1 << 16

COMMANDS = {
    "operator.reset_state:available": "cinder reset-state --state available --attach-status detached {volume}",
    "operator.reset_state:in_use": "cinder reset-state --state in-use --attach-status attached {volume}",
    "operator.force_detach:ok": "POST /v3/{{project}}/volumes/{volume}/action {{\"os-force_detach\": {{}}}}   "
                                "(the admin API: no cinder client command)",
    "operator.reset_instance:ok": "nova reset-state --active {server}",
    "operator.refresh_attachment:ok": "nova-manage volume_attachment refresh {server} {volume} CONNECTOR_FILE",
    "operator.attach:ok": "nova volume-attach {server} {volume}",
    "compute.stop:ok": "nova stop {server}",
    "compute.start:ok": "nova start {server}",
    "compute.hard_reboot:ok": "nova reboot --hard {server}",
    "compute.shelve_offload:ok": "nova shelve {server}   (shelved_offload_time = 0, or then nova shelve-offload)",
    "compute.unshelve:ok": "nova unshelve {server}",
    "compute.restart:ok": "systemctl restart nova-compute   (on the instance's host)",
}
"""One command per operator-started step outcome, in the clients' own syntax (python-novaclient,
python-cinderclient, nova-manage); `{server}` and `{volume}` are filled in by the caller."""


DISRUPTION = {"compute.shelve_offload": 3, "compute.unshelve": 3, "compute.stop": 2, "compute.start": 2,
              "compute.hard_reboot": 1, "compute.restart": 1}
"""Among recoveries of as many commands, the one whose steps disturb the instance least is shown."""


def disruption(action: Action) -> int:
    """How much a step disturbs the instance (0: a DB command, a detach, Nova's own steps)."""
    return DISRUPTION.get(action.step.name, 0)


def relied_on(action: Action) -> bool:
    """Whether a recovery may count on this step happening (see the module's docstring)."""
    o = action.outcome
    return (not o.fault or o.determined) and action.step.actor != GUEST


@dataclass
class RecoveryModel:
    """The operator's model of a scenario (operator actions and instance operations on), searched,
    its graph kept to the steps a recovery may rely on, and where each state it started from lies in
    it (`starts[i]`: the id of start i)."""

    exploration: Any
    graph: Any
    starts: Any
    id_of: Any
    """A state's values -> its id here."""
    symmetry: Any = None
    """The symmetry the search was reduced by: a recovery found there is unfolded into a real one."""


def one_at_a_time(model: CompiledModel, ca: CompiledAction) -> CompiledAction:
    """An operator recovers one command at a time: a new detach request starts, and an instance
    operation runs, only once no other request is in flight (restarting a dead nova-compute excepted:
    the requests waiting for it need it). Recovery never counts on a race it would have to start."""
    step = ca.action.step
    if not step.binds_volume and (step.scope != INSTANCE or step.actor != "nova-compute" or step.fair):
        return ca
    own = dict(ca.action.keys).get("req")
    checks = dict(ca.checks)
    for i, slot in enumerate(model.system.slots):
        if slot.component == "request" and slot.index != own:
            rest = frozenset(v for v, name in enumerate(slot.values) if not in_flight(name))
            checks[i] = checks.get(i, rest) & rest
    return replace(ca, checks=tuple(sorted(checks.items())))


def relied_model(model: CompiledModel) -> CompiledModel:
    """The operator's model cut to what a recovery may rely on, one command at a time."""
    actions = tuple(one_at_a_time(model, ca) for ca in model.actions if relied_on(ca.action))
    return replace(model, actions=actions, dispatch=dispatch_tables(model.system, actions))


Relied = tuple[CompiledModel, Tables, "Symmetry | None"]
"""The relied-on model, its tables and its symmetry (`relied_search`)."""


def operator_model(checked: Any, release: Release, likely: bool) -> CompiledModel:
    """`checked`'s scenario with operator actions and instance operations on, compiled."""
    system = checked.model.system
    return compile_system(compose(release, system.volumes, system.requests, True, True, likely))


def relied_search(checked: Any, release: Release, likely: bool, symmetry: bool) -> Relied:
    """The relied-on model of `checked`'s scenario (starting nowhere: the caller gives the starts),
    its tables, packed as the full operator's model, and that model's own symmetry."""
    full = operator_model(checked, release, likely)
    model = replace(relied_model(full), initials=())
    tables = tables_for(model, packing_for(full))
    return model, tables, symmetry_for(full, tables.packing) if symmetry else None


def checked_values(checked: Any) -> np.ndarray:
    """Every state of a frontier search, column-wise (slots x states)."""
    n = len(checked.states)
    return np.concatenate([checked.states.values(a, min(a + CHUNK, n)) for a in range(0, n, CHUNK)], axis=1)


def checked_keys(checked: Any, packing: Packing) -> tuple[np.ndarray, np.ndarray | None]:
    """Every state of a frontier search, packed as `packing` packs (its own keys if it packs alike)."""
    states = checked.states
    if states.packing == packing:
        return states.word, states.extra
    parts = [packing.pack(states.values(a, a + CHUNK)) for a in range(0, len(states), CHUNK)]
    return (np.concatenate([w for w, _ in parts]),
            None if not packing.two_part else np.concatenate([x for _, x in parts]))  # type: ignore[misc]


def unrecoverable(checked: Any, release: Release, likely: bool, target: Property,
                  score: Callable[[View], int] | None = None, symmetry: bool = True, max_states: int | None = None,
                  deadline: Deadline | None = None, progress: Progress | None = None,
                  relied: Relied | None = None) -> tuple[bool, Stuck | None]:
    """(settled, the first state of `checked` from which no relied-on path reaches `target`, by its id
    there). The relied-on model is searched from the checked states until each is known to reach
    `target`, or the first that cannot is known, its whole closure explored (`engine/searches/reaching.py`);
    not settled if cut short."""
    model, tables, sym = relied or relied_search(checked, release, likely, symmetry)
    own = checked.symmetry  # the checked states are canonical under it, and distinct
    distinct = sym is None and own is None or sym is not None and own is not None and sym.same_canonical(own)
    ops, starts, good = goal_search(model, tables, *checked_keys(checked, tables.packing),
                                    Memo(model.layout, target.check), sym, max_states, deadline, progress,
                                    RECOVERABILITY, distinct)
    if not ops.complete:
        return False, None
    return True, find_unrecoverable(ops, ops.graph(), target, score, starts, good)


def recovery_model(checked: Any, release: Release, operator: bool, processes: bool, likely: bool,
                   engine: str = "frontier", symmetry: bool = True, max_states: int | None = None,
                   deadline: Deadline | None = None, progress: Progress | None = None,
                   target: Property | None = None, starts: list[State] | None = None,
                   relied: Relied | None = None) -> RecoveryModel | None:
    """What recovery can reach from `starts` (default: every state `checked` reached): the operator's
    model of the scenario (operator actions and instance operations on) cut to the steps a recovery
    may rely on, one command at a time (None if that search is cut short). Faults, crashes and the
    guest never move it, so it stays close to the checked search.

    With `target`, the search ends at the states that are done: `target` holds and nothing is left to
    clean up by hand. That changes no cheapest recovery: every step costs, so none goes on past a
    done state."""
    if engine != "frontier":
        model = replace(relied_model(operator_model(checked, release, likely)),
                        initials=tuple(checked.states if starts is None else starts))
        ops = explore(model, [], max_states=max_states)
        if not ops.complete:
            return None
        index = {st: i for i, st in enumerate(ops.states)}
        return RecoveryModel(ops, analysis.build_graph(ops), [index[st] for st in model.initials], index.__getitem__)
    model, tables, sym = relied or relied_search(checked, release, likely, symmetry)
    values = checked_values(checked) if starts is None else np.array(starts, dtype=np.int64).T
    stop = None if target is None else Memo(model.layout, lambda s: target.check(s) and not chores(s))
    ops = search(model, [], max_states=max_states, deadline=deadline, progress=progress, symmetry=sym,
                 tables=tables, phase=RECOVERABILITY, initial_values=values, edges=True, stop=stop)
    if not ops.complete:
        return None
    packing = ops.tables.packing

    def ids(values: np.ndarray) -> np.ndarray:
        word, extra = packing.pack(values)
        if sym is not None:
            word, extra = sym.canonical(word, extra)
        found = ops.ids_of(word, extra)
        assert (found >= 0).all(), "a start is missing from the recovery model"
        return found

    n = values.shape[1]
    firsts = np.concatenate([ids(values[:, a:a + CHUNK]) for a in range(0, n, CHUNK)]) if n else np.zeros(0, int)
    return RecoveryModel(ops, ops.graph(), firsts, lambda state: int(ids(np.array(state, dtype=np.int64)[:, None])[0]),
                         sym)


@dataclass
class Recovery:
    """The shortest recovery from a state: the steps taken, the commands, and what is left on
    the host or the array that no command of the model removes."""

    actions: list[int]
    commands: list[str]
    host_cleanup: list[str]


def cost(action: Action) -> tuple[int, int, int]:
    """What a step costs a recovery: (commands the operator types, disruption of the instance, steps)."""
    typed = action.step.binds_volume or f"{action.step.name}:{action.outcome.name}" in COMMANDS
    return (1 if typed else 0, disruption(action), 1)


def shortest_recovery(exploration: Any, succ: Any, start: int, target: Property, real: tuple | None = None,
                      symmetry: Any = None) -> Recovery | None:
    """The cheapest recovery from `start` over the relied-on steps to a state `target` accepts:
    fewest commands typed plus clean-ups left to do by hand, then least disruption of the instance,
    then fewest steps (Dijkstra). In a search reduced by `symmetry`, the path is unfolded from the
    `real` state `start` stands for, so that its commands name the real volumes and requests."""
    view = exploration.model.layout.view
    states = exploration.states
    path = _cheapest(exploration.model, start, succ.__getitem__, states.__getitem__, target.check)
    if path is None:
        return None
    visited, acts = path
    ends = states[visited[-1]]
    if symmetry is not None and real is not None:
        acts, ends = unfold(exploration.model, symmetry, real, [states[i] for i in visited[1:]])
    return Recovery(acts, commands(exploration.model, acts), chores(view(ends)))


def cheapest_path(model: CompiledModel, start: State, goal: Callable[[View], bool],
                  limit: int | None = None) -> tuple[list[State], list[int]] | None:
    """The cheapest path over `model`'s own steps from the state `start` to a state `goal` accepts,
    costed as a recovery is (`cost`, clean-ups by hand as commands): its states and actions, None
    if there is none, TooFar past `limit` states. It sees only what is cheaper than the answer."""
    return _cheapest(model, start, model.enabled, lambda state: state, goal, limit)


def _cheapest(model: CompiledModel, start: Any, succ: Callable[[Any], list[tuple[int, Any]]],
              state_of: Callable[[Any], State], goal: Callable[[View], bool],
              limit: int | None = None) -> tuple[list, list[int]] | None:
    """`cheapest` over `succ(here)` ((action, next) pairs of `model`'s actions), costed as a
    recovery is; `state_of(here)` is the state a node stands for."""
    view = model.layout.view
    costs = [cost(ca.action) for ca in model.actions]
    return cheapest(start, lambda here: [(ai, nxt, costs[ai]) for ai, nxt in sorted(succ(here))],
                    lambda here: chores(view(state_of(here))) if goal(view(state_of(here))) else None, limit)


def recovery_from(model: CompiledModel, start: State, target: Property, limit: int | None = None) -> Recovery | None:
    """The cheapest recovery from the real state `start` over the relied-on `model` (`relied_model`),
    found by `cheapest_path` (TooFar past `limit` states)."""
    path = cheapest_path(model, start, target.check, limit)
    if path is None:
        return None
    states, acts = path
    return Recovery(acts, commands(model, acts), chores(model.layout.view(states[-1])))


def unfold(model: CompiledModel, symmetry: Any, real: tuple, canonical: list[tuple]) -> tuple[list[int], tuple]:
    """A path through the orbits `canonical`, from the real state `real`: its actions and last state."""
    acts = []
    for c in canonical:
        ai, real = next((ai, nxt) for ai, nxt in model.enabled(real) if symmetry.canonical_state(nxt) == c)
        acts.append(ai)
    return acts, real


Cost = tuple[int, int, int]


class TooFar(Exception):
    """A cheapest-path search saw more states than its limit."""


def cheapest(start: Any, edges: Callable[[Any], list[tuple[int, Any, Cost]]],
             finish: Callable[[Any], list[str] | None], limit: int | None = None) -> tuple[list, list[int]] | None:
    """Dijkstra from `start` over `edges(state)` (action, next state, cost) to a state `finish`
    accepts (it returns the clean-ups left by hand there, each costing as much as a command):
    the states and actions of the cheapest path, or None if there is none; TooFar once more than
    `limit` states are seen."""
    best: dict[Any, Cost] = {start: (0, 0, 0)}
    parent: dict[Any, tuple[Any, int]] = {start: (None, -1)}
    todo: list[tuple[Cost, bool, Any]] = [((0, 0, 0), False, start)]
    done: set[Any] = set()
    while todo:
        here_cost, finished, here = heapq.heappop(todo)
        if finished:
            visited, acts = [here], []
            while parent[visited[-1]][1] >= 0:
                prev, ai = parent[visited[-1]]
                acts.append(ai)
                visited.append(prev)
            return visited[::-1], acts[::-1]
        if here in done:
            continue
        done.add(here)
        left = finish(here)
        if left is not None:
            heapq.heappush(todo, ((here_cost[0] + len(left), here_cost[1], here_cost[2]), True, here))
        for ai, nxt, step in edges(here):
            new = (here_cost[0] + step[0], here_cost[1] + step[1], here_cost[2] + step[2])
            if nxt not in best or new < best[nxt]:
                best[nxt] = new
                parent[nxt] = (here, ai)
                heapq.heappush(todo, (new, False, nxt))
                if limit is not None and len(parent) > limit:
                    raise TooFar(limit)
    return None


def commands(model: CompiledModel, acts: list[int], server: str = "SERVER",
             volumes: dict[str, str] | None = None) -> list[str]:
    """The recovery as commands: operator steps one each, a new detach request as
    `nova volume-detach`, the requests already in flight as a wait."""
    names = volumes or {}
    out: list[str] = []
    waited: set[str] = set()
    started: set[str] = set()
    for ai in acts:
        action = model.actions[ai].action
        keys = dict(action.keys)
        vol = names.get(keys.get("vol", ""), f"VOLUME-{keys.get('vol', '')}" if keys.get("vol") else "VOLUME")
        label = f"{action.step.name}:{action.outcome.name}"
        if action.step.binds_volume:
            started.add(keys["req"])
            out.append(f"nova volume-detach {server} {vol}")
        elif action.step.unbinds_volume:
            started.clear()
        elif label in COMMANDS:
            out.append(COMMANDS[label].format(server=server, volume=vol))
        elif "req" in keys and keys["req"] not in started and keys["req"] not in waited:
            waited.add(keys["req"])
            out.append(f"wait: the detach request in flight (request {keys['req']}) runs on to its end")
    return out


def chores(view: View) -> list[str]:
    """What a state leaves on the host or the array that no command removes, in plain words."""
    out = []
    for v in view.data_volumes:
        gone = view.bdm(v) == DESTROYED or view.volume(v) == AVAILABLE
        if gone and view.connection(v) == CONNECTED:
            out.append(f"volume {v}: the compute host still holds its connection: log out of its iSCSI session "
                       "and remove its /dev/disk/by-path device and multipath map")
        if gone and view.export(v) == MAPPED:
            out.append(f"volume {v}: the array still maps its LUN to the compute host: unmap it from the host's "
                       "initiator group on the array")
    return out
