"""Trace validation: the model paths that print what the logs show, and where they leave the volume.

A search over (model state, observations matched so far): each observation is matched by a step
of the model, in order, while steps that print nothing may happen in between. Costs rank the
paths: a step that prints nothing at the logged levels in the services whose logs were given is
free; a step that should have printed a line the logs do not have (an excerpt, a lost line), a
fault nothing shows (a lost cast, a crash) and an instance operation nobody logged each cost 1;
operator actions are never assumed (bar the new request an operator's retry is, and the attach a
later detach needs). The cheapest paths that match every observation are the explanation.

After the last line only silent steps happen: the requests still in flight run on through free
steps (waiting for the guest only when nothing else can move) until each has come to rest or can go
no further. Those states are the candidate current states.

A request observation may also be matched by a request that has already taken that step (the same
step seen again in another service, a retry of the wait loop, an access line printed after
nova-compute started): each node remembers the observed step outcomes each request has taken.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from detachcheck.checker.engine.compiled.compile import CompiledModel, State
from detachcheck.explain.catalogue import Outcome, first_compute
from detachcheck.explain.observe import Observation
from detachcheck.fsm.request import AT_COMPUTE, ENDS, IDLE
from detachcheck.fsm.service import UP
from detachcheck.fsm.step import INSTANCE, REQUEST, VOLUME
from detachcheck.fsm.system import Action

MAX_COST = 8
SKEW = 1.0
"""Seconds by which lines of different hosts may be out of order: a step whose own line follows this
soon is not a missing line."""
MAX_NODES = 600_000
GUEST = "libvirt/guest"
ARRIVED_MARK: Outcome = ("@", "arrived")
"""In a slot's taken set: nova-compute's line for the request's arrival was matched."""
DATA = "1"
"""The explained volume is the model's data volume 1."""

Node = tuple[State, int, int, tuple[int, ...], tuple[frozenset[Outcome], ...]]
"""(model state, observations matched, requests started, observed request number per model request slot,
the observed step outcomes each slot's request has taken)."""


@dataclass(frozen=True)
class _Info:
    """What the search needs to know about one compiled action."""

    label: Outcome
    scope: str
    slot: int | None  # model request slot index (0-based), for request steps
    vol: str | None
    fault: bool
    operator: bool
    guest: bool
    binds: bool
    unbinds: bool
    step: str


@dataclass
class PathStep:
    """One step of the chosen path: the action taken (None: an observation matched by a request
    already past that step) and the observation it matched (None: a silent step)."""

    action: int | None
    observation: int | None
    cost: int = 0
    slots: tuple[int, ...] = ()
    """Observed request number per model request slot, after the step."""


@dataclass
class Search:
    """What the search found."""

    fits: bool
    cost: int
    matched: int
    candidates: list[tuple[State, tuple[int, ...], int]]
    """(model state, observed request number per model request slot, requests started) of each end state."""
    path: list[PathStep]
    first_unmatched: int | None = None
    enabled: list[str] = field(default_factory=list)
    cut_short: bool = False
    nodes: int = 0


class Validator:
    """The search over one compiled model for one list of observations."""

    def __init__(self, model: CompiledModel, observations: Sequence[Observation], loggable: frozenset[Outcome],
                 requests: int, arrival_logged: bool = False) -> None:
        self.model = model
        self.obs = list(observations)
        self.loggable = loggable
        self.total = requests
        self.first = frozenset(first_compute(model.system.release.steps())) if arrival_logged else frozenset()
        self.ahead = [frozenset((o.request, a) for o in self.obs[k + 1:] if o.record.time <= ob.record.time + SKEW
                                for a in o.alternatives) for k, ob in enumerate(self.obs)]
        system = model.system
        self.req_slots = [system.slot_index("request", q) for q in system.request_ids]
        service = system.slot_index("service")
        self.service_slot, self.up = service, system.slots[service].values.index(UP)
        self.req_names = [system.slots[i].values for i in self.req_slots]
        self.infos = [self._info(ca.action) for ca in model.actions]
        self.relevant = frozenset(a for ob in self.obs if ob.scope == REQUEST for a in ob.alternatives)

    def _info(self, action: Action) -> _Info:
        keys = dict(action.keys)
        step, o = action.step, action.outcome
        slot = self.model.system.request_ids.index(keys["req"]) if "req" in keys else None
        return _Info((step.name, o.name), step.scope, slot, keys.get("vol"), o.fault, step.actor == "operator",
                     step.actor == GUEST, step.binds_volume, step.unbinds_volume, step.name)

    # ---------------------------------------------------------------- moves

    def request_state(self, state: State, slot: int) -> str:
        return self.req_names[slot][state[self.req_slots[slot]]]

    def in_flight(self, state: State, slot: int) -> bool:
        name = self.request_state(state, slot)
        return name != IDLE and name not in ENDS

    def _silent_cost(self, info: _Info, node: Node) -> int | None:
        """The cost of taking an action no observation shows (None: never assumed)."""
        state, k, started, slots, _ = node
        if info.vol is not None and info.vol != DATA:
            return None  # every request explained is about the data volume; the root's guest does nothing
        if info.operator:
            if info.step == "operator.retry_detach":  # frees the slots of ended requests for the next ones
                return 0 if started < self.total and all(slots) else None
            if info.step == "operator.attach":
                return 1 if started < self.total else None
            return None
        if info.binds:
            return 0 if started < self.total and info.label[1] == "ok" else None
        if info.scope == REQUEST and info.slot is not None and slots[info.slot] == 0:
            return None
        if info.scope == INSTANCE:
            return 1
        soon = k < len(self.obs) and info.slot is not None and (slots[info.slot], info.label) in self.ahead[k]
        if info.fault or info.label in self.loggable:
            return 0 if soon else 1
        if info.label in self.first and info.slot is not None and ARRIVED_MARK not in node[4][info.slot]:
            return 1  # nova-compute prints a line when it starts on a request: not in the logs
        return 0

    def _arrived(self, node: Node, slot: int) -> Node:
        state, k, started, slots, taken = node
        done = list(taken)
        done[slot] = taken[slot] | {ARRIVED_MARK}
        return state, k, started, slots, tuple(done)

    def _after(self, node: Node, ai: int, succ: State, matched: bool) -> Node:
        state, k, started, slots, taken = node
        info = self.infos[ai]
        if info.binds and info.slot is not None:
            new = list(slots)
            new[info.slot] = started + 1
            done = list(taken)
            done[info.slot] = frozenset({info.label}) & self.relevant
            return succ, k + matched, started + 1, tuple(new), tuple(done)
        if info.unbinds:
            new = [0 if self.request_state(succ, q) == IDLE else s for q, s in enumerate(slots)]
            done = [frozenset() if n == 0 else t for n, t in zip(new, taken, strict=True)]
            return succ, k + matched, started, tuple(new), tuple(done)
        if info.slot is not None and info.label in self.relevant:
            done = list(taken)
            done[info.slot] = taken[info.slot] | {info.label}
            return succ, k + matched, started, slots, tuple(done)
        return succ, k + matched, started, slots, taken

    def _observation_moves(self, node: Node, enabled: list[tuple[int, State]]) -> list[tuple[int, Node]]:
        """(action index or -1, next node) that match observation k."""
        state, k, started, slots, taken = node
        ob = self.obs[k]
        alts = set(ob.alternatives)
        out: list[tuple[int, Node]] = []
        if ob.record.service == "nova-compute" and ob.scope != INSTANCE and state[self.service_slot] != self.up:
            return out  # nova-compute printed it: it was running
        if ob.scope == REQUEST and ob.arrival:
            wanted = [q for q, s in enumerate(slots) if s != 0 and (ob.request is None or s == ob.request)]
            for q in wanted:
                if self.request_state(state, q) == AT_COMPUTE:
                    out.append((-1, self._arrived((state, k + 1, started, slots, taken), q)))
            for ai, succ in enabled:
                info = self.infos[ai]
                if info.label in alts and info.slot in wanted and info.vol in (None, DATA):
                    out.append((ai, self._arrived(self._after(node, ai, succ, True), info.slot)))
            return out
        if ob.scope == REQUEST:
            wanted = [q for q, s in enumerate(slots) if s != 0 and (ob.request is None or s == ob.request)]
            if any(taken[q] & alts for q in wanted):
                out.append((-1, (state, k + 1, started, slots, taken)))
            for ai, succ in enabled:
                info = self.infos[ai]
                if info.label not in alts or info.vol not in (None, DATA):
                    continue
                if info.binds:
                    if ob.request == started + 1 and info.slot is not None and slots[info.slot] == 0:
                        out.append((ai, self._after(node, ai, succ, True)))
                elif info.slot in wanted:
                    out.append((ai, self._after(node, ai, succ, True)))
            return out
        for ai, succ in enabled:
            info = self.infos[ai]
            if info.label in alts and info.scope == ob.scope and info.vol in (None, DATA):
                out.append((ai, self._after(node, ai, succ, True)))
        return out

    def _settle_moves(self, node: Node, enabled: list[tuple[int, State]]) -> list[tuple[int, Node]]:
        """After the last line: free steps of requests in flight; the guest only when they cannot move."""
        state, k, started, slots, _ = node
        moves = [(ai, succ) for ai, succ in enabled
                 if self.infos[ai].scope == REQUEST and not self.infos[ai].binds and self.infos[ai].slot is not None
                 and slots[self.infos[ai].slot] != 0 and self.in_flight(state, self.infos[ai].slot)
                 and self._silent_cost(self.infos[ai], node) == 0]
        if not moves and any(s != 0 and self.in_flight(state, q) for q, s in enumerate(slots)):
            moves = [(ai, succ) for ai, succ in enabled if self.infos[ai].guest and self.infos[ai].scope == VOLUME
                     and self.infos[ai].vol == DATA and self._silent_cost(self.infos[ai], node) == 0]
        return [(ai, self._after(node, ai, succ, False)) for ai, succ in moves]

    def settled(self, node: Node, enabled: list[tuple[int, State]]) -> bool:
        state, _, _, slots, _ = node
        return not any(self.infos[ai].scope == REQUEST and not self.infos[ai].binds
                       and self.infos[ai].slot is not None and slots[self.infos[ai].slot] != 0
                       and self.in_flight(state, self.infos[ai].slot)
                       and self._silent_cost(self.infos[ai], node) == 0 for ai, _ in enabled)

    # ---------------------------------------------------------------- search

    def run(self) -> Search:
        n = len(self.obs)
        slots0 = (0,) * len(self.req_slots)
        taken0: tuple[frozenset[Outcome], ...] = (frozenset(),) * len(self.req_slots)
        dist: dict[Node, int] = {}
        parent: dict[Node, tuple[Node | None, int, int, int]] = {}
        buckets: list[deque[Node]] = [deque() for _ in range(MAX_COST + 1)]
        for init in self.model.initials:
            node = (init, 0, 0, slots0, taken0)
            if node not in dist:
                dist[node] = 0
                parent[node] = (None, -1, -1, 0)
                buckets[0].append(node)
        best_k, best_nodes = 0, [next(iter(dist))]
        finals: list[Node] = []
        cut = False
        for cost in range(MAX_COST + 1):
            todo = buckets[cost]
            while todo:
                node = todo.popleft()
                if dist[node] != cost:
                    continue
                state, k = node[0], node[1]
                enabled = self.model.enabled(state)
                if parent[node][2] >= 0:  # right after a matched line: where a longest fitting prefix ends
                    if k > best_k:
                        best_k, best_nodes = k, [node]
                    elif k == best_k and dist[best_nodes[0]] == cost and node not in best_nodes:
                        best_nodes.append(node)
                moves: list[tuple[int, Node, int, int]] = []
                if k == n:
                    if self.settled(node, enabled):
                        finals.append(node)
                    moves = [(ai, nxt, 0, -1) for ai, nxt in self._settle_moves(node, enabled)]
                else:
                    moves = [(ai, nxt, 0, k) for ai, nxt in self._observation_moves(node, enabled)]
                    for ai, succ in enabled:
                        c = self._silent_cost(self.infos[ai], node)
                        if c is not None:
                            moves.append((ai, self._after(node, ai, succ, False), c, -1))
                for ai, nxt, c, matched in moves:
                    nc = cost + c
                    if nc > MAX_COST or dist.get(nxt, MAX_COST + 1) <= nc:
                        continue
                    dist[nxt] = nc
                    parent[nxt] = (node, ai, matched, c)
                    buckets[nc].append(nxt)
                if len(dist) > MAX_NODES:
                    cut = True
                    break
            if finals or cut:
                break
        if finals:
            return self._result(True, finals, dist, parent, None, [], cut)
        frontier = self._settle_all(best_nodes, dist, parent)
        enabled_labels = self._enabled_labels(best_nodes)
        return self._result(False, frontier, dist, parent, best_k, enabled_labels, cut)

    def _settle_all(self, nodes: list[Node], dist: dict[Node, int], parent: dict) -> list[Node]:
        """Where the longest matching prefix leaves things, once in-flight requests settle."""
        out: list[Node] = []
        seen = set(nodes)
        todo = deque(nodes)
        while todo and len(seen) < MAX_NODES:
            node = todo.popleft()
            enabled = self.model.enabled(node[0])
            if self.settled(node, enabled):
                out.append(node)
            for ai, nxt in self._settle_moves(node, enabled):
                if nxt not in seen:
                    seen.add(nxt)
                    dist.setdefault(nxt, dist[node])
                    parent.setdefault(nxt, (node, ai, -1, 0))
                    todo.append(nxt)
        return out or list(nodes)

    def _enabled_labels(self, nodes: list[Node]) -> list[str]:
        labels: list[str] = []
        for node in nodes:
            state, slots = node[0], node[3]
            for ai, _ in self.model.enabled(state):
                info = self.infos[ai]
                if info.operator or (info.vol is not None and info.vol != DATA):
                    continue
                if info.scope == REQUEST and info.slot is not None and not info.binds:
                    if slots[info.slot] == 0:
                        continue
                    label = f"{info.label[0]}:{info.label[1]} req={slots[info.slot]}"
                elif info.binds:
                    label = f"{info.label[0]}:{info.label[1]} (a new request)"
                else:
                    label = f"{info.label[0]}:{info.label[1]}"
                labels.append(label)
        return list(dict.fromkeys(labels))

    def _result(self, fits: bool, finals: list[Node], dist: dict[Node, int], parent: dict,
                unmatched: int | None, enabled: list[str], cut: bool) -> Search:
        states = list(dict.fromkeys((node[0], node[3], node[2]) for node in finals))
        chosen = finals[0]
        path: list[PathStep] = []
        node: Node | None = chosen
        while node is not None:
            prev, ai, matched, c = parent[node]
            if prev is None:
                break
            path.append(PathStep(None if ai < 0 else ai, None if matched < 0 else matched, c, node[3]))
            node = prev
        path.reverse()
        return Search(fits, dist[chosen], chosen[1], states, path, unmatched, enabled, cut, len(dist))
