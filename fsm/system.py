"""The composed system: component lifecycles per volume and per request, and the
protocol steps bound to them, for one release and one scenario size.

Volume `root` is the boot volume; data volumes are `1`..`N`. Requests are `1`..`M`;
each picks the volume it is about at its first step (`api.get_volume`, key `vol=`).
A data volume's BDM `style` (legacy, or attachment_id) is set at attach time: in releases with
new-style attachments every combination is an initial state.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

from detachcheck.fsm import lock as lk
from detachcheck.fsm.attachment import ATTACHMENT
from detachcheck.fsm.bdm import BDM, LEGACY, STYLE, STYLES
from detachcheck.fsm.connection import CONNECTION
from detachcheck.fsm.disk import DISK
from detachcheck.fsm.export import EXPORT
from detachcheck.fsm.instance import INSTANCE
from detachcheck.fsm.lifecycle import Lifecycle
from detachcheck.fsm.lock import LOCK
from detachcheck.fsm.releases import Release
from detachcheck.fsm.request import ENDS, IDLE, inside_sync
from detachcheck.fsm.service import SERVICE, UP
from detachcheck.fsm.step import DATA, PROCESS, REQUEST, ROOT, SLOW, Outcome, Step
from detachcheck.fsm.step import INSTANCE as INSTANCE_SCOPE
from detachcheck.fsm.volume import VOLUME

VOLUME_LIFECYCLES: tuple[Lifecycle, ...] = (VOLUME, ATTACHMENT, BDM, STYLE, DISK, CONNECTION, EXPORT)
"""Per-volume components, in slot order."""
INSTANCE_LIFECYCLES: tuple[Lifecycle, ...] = (INSTANCE, SERVICE, LOCK)

ROOT_ID = "root"
NO_VOLUME = "none"
ANY = "*"
"""In an assignment, from any value."""
MAX_VOLUMES = 3
MAX_REQUESTS = lk.MAX_HOLDERS


@dataclass(frozen=True)
class Slot:
    """One position of the state tuple: a component of one volume/request, or a variable."""

    label: str
    component: str
    index: str | None  # volume id or request id
    values: tuple[str, ...]
    initial: str
    lifecycle: Lifecycle | None  # None: a plain variable (the volume a request is about)


@dataclass(frozen=True)
class Action:
    """One step outcome bound to a request and/or volume, over slot positions."""

    step: Step
    outcome: Outcome
    keys: tuple[tuple[str, str], ...]
    requires: tuple[tuple[int, tuple[str, ...]], ...]
    fires: tuple[tuple[int, str], ...]
    assigns: tuple[tuple[int, str, str], ...]
    """(slot, from, to) of plain variables; from `ANY`: whatever it holds."""

    @property
    def label(self) -> str:
        """`step:outcome key=value ...`, as in trace files."""
        keys = "".join(f" {k}={v}" for k, v in self.keys)
        return f"{self.step.name}:{self.outcome.name}{keys}"


@dataclass(frozen=True)
class System:
    """A release's protocol composed over `volumes` data volumes and `requests` requests."""

    release: Release
    volumes: int
    requests: int
    slots: tuple[Slot, ...]
    actions: tuple[Action, ...]
    initials: tuple[tuple[str, ...], ...]
    operator: bool = False
    """Whether operator recovery steps (reset-state, force-detach) interleave."""
    processes: bool = True
    """Whether instance operations (stop, start, reboot, shelve, unshelve, crash, restart) interleave."""
    likely: bool = False
    """Whether narrow windows are closed: no `slow` or `process` step of one actor runs while another
    request is inside a synchronous section (`checker/likelihood.py`)."""

    @cached_property
    def volume_ids(self) -> tuple[str, ...]:
        """`root` then the data volumes."""
        return (ROOT_ID, *self.data_volume_ids)

    @cached_property
    def data_volume_ids(self) -> tuple[str, ...]:
        return tuple(str(i) for i in range(1, self.volumes + 1))

    @cached_property
    def request_ids(self) -> tuple[str, ...]:
        return tuple(str(i) for i in range(1, self.requests + 1))

    def slot_index(self, component: str, index: str | None = None) -> int:
        """Position of a component's slot in the state tuple."""
        for i, slot in enumerate(self.slots):
            if slot.component == component and slot.index == index:
                return i
        raise KeyError((component, index))


def _slots(release: Release, vol_ids: tuple[str, ...], req_ids: tuple[str, ...]) -> list[Slot]:
    slots = [Slot(lc.name, lc.name, None, lc.states, lc.initial, lc) for lc in INSTANCE_LIFECYCLES]
    for v in vol_ids:
        for lc in VOLUME_LIFECYCLES:
            slots.append(Slot(f"{lc.name}[{v}]", lc.name, v, lc.states, lc.initial, lc))
    request_lc = release.request()
    for q in req_ids:
        slots.append(Slot(f"request[{q}]", "request", q, request_lc.states, request_lc.initial, request_lc))
        slots.append(Slot(f"request[{q}].volume", "target", q, (NO_VOLUME, *vol_ids), NO_VOLUME, None))
    return slots


class _Binder:
    """Builds actions over slot positions, checking names against the slots' values."""

    def __init__(self, release: Release, slots: list[Slot], likely: bool = False) -> None:
        self.release = release
        self.slots = slots
        self.where = {(s.component, s.index): i for i, s in enumerate(slots)}
        self.likely = likely
        self.inside = inside_sync(release.steps())

    def outside_sync(self, req: str | None) -> list[tuple[int, tuple[str, ...]]]:
        """Guards keeping every other request out of a synchronous section (narrow windows closed)."""
        return [(i, tuple(v for v in self.slots[i].values if v not in self.inside))
                for (c, q), i in self.where.items() if c == "request" and q != req]

    def slot(self, component: str, vol: str | None, req: str | None = None) -> int:
        if (component, None) in self.where:
            return self.where[(component, None)]
        return self.where[(component, req if component in ("request", "target") else vol)]

    def possible(self, requires: list[tuple[int, tuple[str, ...]]]) -> bool:
        """False when a variable slot can never hold any allowed value (e.g. root's style)."""
        for i, names in requires:
            slot = self.slots[i]
            unknown = set(names) - set(slot.values)
            if slot.lifecycle is not None and unknown:
                raise ValueError(f"{slot.label} has no state(s) {sorted(unknown)}")
            if not set(names) & set(slot.values):
                return False
        return True

    def locked(self, step: Step) -> bool:
        return step.lock == "always" or (step.lock is not None and self.release.switches[step.lock])

    def bind(self, step: Step, o: Outcome, vol: str | None, req: str | None) -> list[Action]:
        """The actions of one outcome bound to a volume and/or request (several for instance steps)."""
        requires = [(self.slot(c, vol, req), states) for c, states in o.requires.items()]
        fires = [(self.slot(c, vol, req), trig) for c, trig in o.fires]
        assigns: list[tuple[int, str, str]] = []
        keys: list[tuple[str, str]] = []
        if step.needs_service:
            requires.append((self.slot("service", None), (UP,)))
        if step.at_rest:
            requires += [(i, (IDLE, *ENDS)) for (c, _), i in self.where.items() if c == "request"]
        if self.likely and step.duration in (SLOW, PROCESS):
            requires += self.outside_sync(req)
        if req is not None:
            keys.append(("req", req))
            fires.insert(0, (self.slot("request", None, req), f"{step.name}:{o.name}"))
            pc = self.slot("request", None, req)  # steps may share a trigger name: restrict to `at`
            requires.append((pc, tuple(a for a in step.at if a in self.slots[pc].values)))
            target = self.slot("target", None, req)
            if step.binds_volume:
                assigns.append((target, NO_VOLUME, vol or ""))
            else:
                requires.append((target, (vol or "",)))
            if self.locked(step):
                fires.append((self.slot("lock", None), f"hold_{req}"))
                if o.then in ENDS:
                    fires.append((self.slot("lock", None), f"release_{req}"))
        elif self.locked(step):
            requires.append((self.slot("lock", None), (lk.FREE,)))
        if vol is not None:
            keys.append(("vol", vol))
        if o.each_request:
            fires += [(self.slot("request", None, q), o.each_request)
                      for (c, q) in self.where if c == "request"]
        if step.unbinds_volume:
            assigns += [(i, ANY, NO_VOLUME) for (c, _), i in self.where.items() if c == "target"]
        if step.scope != INSTANCE_SCOPE or not o.each_volume:
            return [self.action(step, o, keys, requires, fires, assigns)]
        return self.per_volume(step, o, keys, requires, fires)

    def per_volume(self, step: Step, o: Outcome, keys: list, requires: list, fires: list) -> list[Action]:
        """Instance steps: one action per choice of effect for each volume."""
        vols = [i for (c, i) in self.where if c == "volume"]
        out = []
        for choice in itertools.product(range(len(o.each_volume)), repeat=len(vols)):
            if o.needs_effect is not None and o.needs_effect not in choice:
                continue
            req = list(requires)
            fir = list(fires)
            for v, e in zip(vols, choice, strict=True):
                effect = o.each_volume[e]
                req += [(self.slot(c, v), states) for c, states in effect.when.items()]
                fir += [(self.slot(c, v), trig) for c, trig in effect.fires]
            action = self.action(step, o, keys, req, fir, [])
            if action is not None:
                out.append(action)
        return out

    def action(self, step: Step, o: Outcome, keys: list, requires: list, fires: list,
               assigns: list) -> Action | None:
        merged: dict[int, set[str]] = {}
        for i, names in requires:
            merged[i] = merged[i] & set(names) if i in merged else set(names)
        reqs = [(i, tuple(n for n in self.slots[i].values if n in names)) for i, names in sorted(merged.items())]
        if not self.possible([(i, tuple(merged[i])) for i in merged]):
            return None
        return Action(step, o, tuple(keys), tuple(reqs), tuple(fires), tuple(assigns))


def compose(release: Release, volumes: int = 1, requests: int = 2, operator: bool = False,
            processes: bool = True, likely: bool = False) -> System:
    """Bind the release's steps to `volumes` data volumes (plus root) and `requests` requests;
    with `operator`, operator recovery steps interleave too; without `processes`, only the
    detach requests and the guest run (no stop, reboot, shelve, crash, ...); with `likely`, no
    narrow window is taken (see `System.likely`)."""
    if not 1 <= volumes <= MAX_VOLUMES:
        raise ValueError(f"volumes must be 1..{MAX_VOLUMES}, got {volumes}")
    if not 1 <= requests <= MAX_REQUESTS:
        raise ValueError(f"requests must be 1..{MAX_REQUESTS}, got {requests}")
    vol_ids = (ROOT_ID, *(str(i) for i in range(1, volumes + 1)))
    req_ids = tuple(str(i) for i in range(1, requests + 1))
    slots = _slots(release, vol_ids, req_ids)
    binder = _Binder(release, slots, likely)

    actions: list[Action] = []
    for step in release.steps():
        if (step.actor == "operator" and not operator) or (step.scope == INSTANCE_SCOPE and not processes):
            continue
        reqs: tuple[str | None, ...] = req_ids if step.scope == REQUEST else (None,)
        vols: tuple[str | None, ...] = (None,) if step.scope == INSTANCE_SCOPE else vol_ids
        for q in reqs:
            for v in vols:
                for o in step.outcomes:
                    if v is not None and o.volume is not None and o.volume != (ROOT if v == ROOT_ID else DATA):
                        continue
                    actions += [a for a in binder.bind(step, o, v, q) if a is not None]

    styles = STYLES if release.switches["new_style_attachments"] else (LEGACY,)
    style_slots = [i for i, s in enumerate(slots) if s.component == "style" and s.index != ROOT_ID]
    base = [s.initial for s in slots]
    initials = []
    for combo in itertools.product(*(styles for _ in style_slots)):
        state = list(base)
        for i, style in zip(style_slots, combo, strict=True):
            state[i] = style
        initials.append(tuple(state))
    return System(release, volumes, requests, tuple(slots), tuple(actions), tuple(initials), operator, processes,
                  likely)
