"""The detach request: where one API request to detach a volume is in the protocol.

Its lifecycle is not written by hand: each transition is one outcome of one protocol
step (`fsm/protocol.py`), so the protocol is declared once and this machine follows.
"""

from __future__ import annotations

from collections.abc import Iterable

from detachcheck.fsm.lifecycle import Lifecycle, T, t
from detachcheck.fsm.step import REQUEST, Step

IDLE = "idle"
VOLUME_READ = "volume read"
BDM_FOUND = "bdm found"
INSTANCE_CHECKED = "instance checked"
OFFLOADED_CHECKED = "instance checked (shelved-offloaded)"
OFFLOADED_VOLUME_READ = "volume read (shelved-offloaded)"
OFFLOADED_BDM_FOUND = "bdm found (shelved-offloaded)"
DETACHING_BEGUN = "detaching begun"
OFFLOADED_BEGUN = "detaching begun (shelved-offloaded)"
AT_COMPUTE = "at compute"
PERSISTENT_DETACHED = "persistent detached"
UNPLUG_REQUESTED = "unplug requested"
GUEST_RELEASED = "guest released"
DISK_NOT_FOUND = "disk not found"
HOST_DISCONNECTED = "host disconnected"
CONNECTION_TERMINATED = "connection terminated"
BDM_DESTROYED = "bdm destroyed"
CINDER_DETACHED = "cinder detached"
ROLLING_BACK = "rolling back"

COMPLETED = "completed"
REJECTED = "rejected"
API_FAILED = "api failed"
ROLLED_BACK = "rolled back"
ABORTED = "aborted"
LOST = "lost"
CRASHED = "crashed"

ENDS = (COMPLETED, REJECTED, API_FAILED, ROLLED_BACK, ABORTED, LOST, CRASHED)
"""A request in one of these has ended: nothing of it runs any more."""

COMPUTE_STATES = (AT_COMPUTE, PERSISTENT_DETACHED, UNPLUG_REQUESTED, GUEST_RELEASED, DISK_NOT_FOUND,
                  HOST_DISCONNECTED, CONNECTION_TERMINATED, BDM_DESTROYED, CINDER_DETACHED, ROLLING_BACK)
"""Points where nova-compute is running the request (a crash ends it there)."""

STATE_DOCS = {
    IDLE: "not sent yet",
    COMPLETED: "detached: Cinder, Nova, libvirt, host and array all let go (as far as the code knows)",
    REJECTED: "refused by nova-api (HTTP 4xx) before the cast; nothing changed",
    API_FAILED: "a Cinder call failed in nova-api (HTTP 500) before the cast; nothing changed",
    ROLLED_BACK: "compute failed in the driver detach and rolled Cinder back to in-use",
    ABORTED: "an exception after the driver detach (or a failed roll-back): nothing rolled back",
    LOST: "the RPC cast to nova-compute never arrived",
    CRASHED: "nova-compute died while running it; nothing resumes it",
}

_CRASH = ("nova-compute dies mid-request: the RPC handler is gone and "
          "nova/compute/manager.py ComputeManager._init_instance does not resume it @ pike")


_RETRY = ("at rest the operator sends a new detach request (`nova volume-detach` again): "
          "nova/api/openstack/compute/volumes.py VolumeAttachmentController.delete @ pike")


def in_flight(state: str) -> bool:
    """The request has been sent and has not ended."""
    return state != IDLE and state not in ENDS


def inside_sync(steps: Iterable[Step]) -> frozenset[str]:
    """Request states inside a synchronous section: reached by a step of the section and left by
    another step of the same section (one thread runs on through them without waiting)."""
    steps = [s for s in steps if s.scope == REQUEST and s.sync]
    inside = set()
    for step in steps:
        for o in step.outcomes:
            if o.then is not None and any(o.then in nxt.at for nxt in steps if nxt.sync == step.sync):
                inside.add(o.then)
    return frozenset(inside)


def request_lifecycle(steps: Iterable[Step]) -> Lifecycle:
    """The request's lifecycle: one transition per (step, outcome) that moves a request,
    plus `crash`, which ends a request wherever nova-compute was running it, and `retry`, which
    makes an ended request's slot free for a new one."""
    steps = [s for s in steps if s.scope == REQUEST]
    reached = {IDLE, CRASHED} | {o.then for s in steps for o in s.outcomes if o.then is not None}
    states: list[str] = [IDLE]
    transitions: list[T] = []
    for step in steps:
        for o in step.outcomes:
            sources = [src for src in step.at if src in reached]  # a point no outcome reaches: not here
            for s in (*sources, o.then):
                if s is not None and s not in states:
                    states.append(s)
            trigger = f"{step.name}:{o.name}"
            for src in sources:
                same = [tr for tr in transitions if tr.trigger == trigger and src in tr.source]
                if any(tr.dest != o.then for tr in same):
                    raise ValueError(f"{trigger} from {src!r} leads to two different states")
                if not same:  # outcomes sharing a name differ only in their guards
                    transitions.append(T(trigger, (src,), o.then, step.cite))
    for end in ENDS:
        if end not in states:
            states.append(end)
    in_compute = tuple(s for s in states if s in COMPUTE_STATES)
    others = tuple(s for s in states if s not in COMPUTE_STATES)
    transitions.append(t("crash", in_compute, CRASHED, _CRASH))
    transitions.append(t("crash", others, None, _CRASH))
    transitions.append(t("retry", tuple(s for s in states if s in ENDS), IDLE, _RETRY))
    transitions.append(t("retry", (IDLE,), None, _RETRY))
    return Lifecycle(
        name="request",
        doc="one detach request (API call to compute and back)",
        states=tuple(states),
        initial=IDLE,
        transitions=tuple(transitions),
        per_volume=False,
        state_docs=STATE_DOCS,
    )
