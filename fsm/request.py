"""The detach request: where one API request to detach a volume is in the protocol.

Its lifecycle is not written by hand: each transition is one outcome of one protocol
step (`fsm/protocol.py`), so the protocol is declared once and this machine follows.
"""

from __future__ import annotations

from collections.abc import Iterable

from fsm.lifecycle import Lifecycle, T
from fsm.step import Step

IDLE = "idle"
VOLUME_READ = "volume read"
BDM_FOUND = "bdm found"
INSTANCE_CHECKED = "instance checked"
DETACHING_BEGUN = "detaching begun"
AT_COMPUTE = "at compute"
UNPLUG_REQUESTED = "unplug requested"
GUEST_RELEASED = "guest released"
DISK_NOT_FOUND = "disk not found"
HOST_DISCONNECTED = "host disconnected"
CONNECTION_TERMINATED = "connection terminated"
CINDER_DETACHED = "cinder detached"
ROLLING_BACK = "rolling back"

COMPLETED = "completed"
REJECTED = "rejected"
API_FAILED = "api failed"
ROLLED_BACK = "rolled back"
ABORTED = "aborted"
LOST = "lost"

ENDS = (COMPLETED, REJECTED, API_FAILED, ROLLED_BACK, ABORTED, LOST)
"""A request in one of these has ended: nothing of it runs any more."""

STATE_DOCS = {
    IDLE: "not sent yet",
    COMPLETED: "detached: Cinder, Nova, libvirt, host and array all let go",
    REJECTED: "refused by nova-api (HTTP 4xx) before the cast; nothing changed",
    API_FAILED: "a Cinder call failed in nova-api (HTTP 500) before the cast; nothing changed",
    ROLLED_BACK: "compute failed in the driver detach and rolled Cinder back to in-use",
    ABORTED: "compute raised after the driver detach (or the roll failed): nothing rolled back",
    LOST: "the RPC cast to nova-compute never arrived",
}


def in_flight(state: str) -> bool:
    """The request has been sent and has not ended."""
    return state != IDLE and state not in ENDS


def request_lifecycle(steps: Iterable[Step]) -> Lifecycle:
    """The request's lifecycle, one transition per (step, outcome) that moves a request."""
    states: list[str] = [IDLE]
    transitions: list[T] = []
    for step in steps:
        if step.at is None:
            continue
        for o in step.outcomes:
            for s in (*step.at, o.then):
                if s is not None and s not in states:
                    states.append(s)
            transitions.append(T(f"{step.name}:{o.name}", step.at, o.then, step.cite))
    for end in ENDS:
        if end not in states:
            states.append(end)
    return Lifecycle(
        name="request",
        doc="one detach request (API call to compute and back)",
        states=tuple(states),
        initial=IDLE,
        transitions=tuple(transitions),
        per_volume=False,
        state_docs=STATE_DOCS,
    )
