"""The composed system: component lifecycles per volume and per request, and the
protocol steps bound to them, for one release and one scenario size.

Volume `root` is the boot volume; data volumes are `1`..`N`. Requests are `1`..`M`;
each picks the volume it is about at its first step (`api.get_volume`, key `vol=`).
"""

from __future__ import annotations

from dataclasses import dataclass

from fsm.attachment import ATTACHMENT
from fsm.bdm import BDM
from fsm.connection import CONNECTION
from fsm.disk import DISK
from fsm.export import EXPORT
from fsm.instance import INSTANCE
from fsm.lifecycle import Lifecycle
from fsm.releases import Release
from fsm.step import DATA, ROOT, Outcome, Step
from fsm.volume import VOLUME

VOLUME_LIFECYCLES: tuple[Lifecycle, ...] = (VOLUME, ATTACHMENT, BDM, DISK, CONNECTION, EXPORT)
"""Per-volume components, in slot order."""

ROOT_ID = "root"
NO_VOLUME = "none"
MAX_VOLUMES = 3
MAX_REQUESTS = 3


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

    @property
    def volume_ids(self) -> tuple[str, ...]:
        """`root` then the data volumes."""
        return (ROOT_ID, *self.data_volume_ids)

    @property
    def data_volume_ids(self) -> tuple[str, ...]:
        return tuple(str(i) for i in range(1, self.volumes + 1))

    @property
    def request_ids(self) -> tuple[str, ...]:
        return tuple(str(i) for i in range(1, self.requests + 1))

    def slot_index(self, component: str, index: str | None = None) -> int:
        """Position of a component's slot in the state tuple."""
        for i, slot in enumerate(self.slots):
            if slot.component == component and slot.index == index:
                return i
        raise KeyError((component, index))


def compose(release: Release, volumes: int = 1, requests: int = 2) -> System:
    """Bind the release's steps to `volumes` data volumes (plus root) and `requests` requests."""
    if not 1 <= volumes <= MAX_VOLUMES:
        raise ValueError(f"volumes must be 1..{MAX_VOLUMES}, got {volumes}")
    if not 1 <= requests <= MAX_REQUESTS:
        raise ValueError(f"requests must be 1..{MAX_REQUESTS}, got {requests}")
    request_lc = release.request()
    vol_ids = (ROOT_ID, *(str(i) for i in range(1, volumes + 1)))
    req_ids = tuple(str(i) for i in range(1, requests + 1))

    slots: list[Slot] = [Slot("instance", "instance", None, INSTANCE.states, INSTANCE.initial, INSTANCE)]
    for v in vol_ids:
        for lc in VOLUME_LIFECYCLES:
            slots.append(Slot(f"{lc.name}[{v}]", lc.name, v, lc.states, lc.initial, lc))
    for q in req_ids:
        slots.append(Slot(f"request[{q}]", "request", q, request_lc.states, request_lc.initial, request_lc))
        slots.append(Slot(f"request[{q}].volume", "target", q, (NO_VOLUME, *vol_ids), NO_VOLUME, None))
    where = {(s.component, s.index): i for i, s in enumerate(slots)}

    def slot(component: str, vol: str, req: str | None) -> int:
        if component == "instance":
            return where[("instance", None)]
        if component == "request":
            return where[("request", req)]
        return where[(component, vol)]

    actions: list[Action] = []
    for step in release.steps():
        for q in (req_ids if step.at is not None else (None,)):
            for v in vol_ids:
                for o in step.outcomes:
                    if o.volume is not None and o.volume != (ROOT if v == ROOT_ID else DATA):
                        continue
                    requires = [(slot(c, v, q), states) for c, states in o.requires.items()]
                    fires = [(slot(c, v, q), trig) for c, trig in o.fires]
                    assigns: list[tuple[int, str, str]] = []
                    keys: list[tuple[str, str]] = []
                    if q is not None:
                        keys.append(("req", q))
                        fires.insert(0, (where[("request", q)], f"{step.name}:{o.name}"))
                        target = where[("target", q)]
                        if step.binds_volume:
                            assigns.append((target, NO_VOLUME, v))
                        else:
                            requires.append((target, (v,)))
                    keys.append(("vol", v))
                    actions.append(Action(step, o, tuple(keys), tuple(requires), tuple(fires), tuple(assigns)))
    return System(release, volumes, requests, tuple(slots), tuple(actions))
