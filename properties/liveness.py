"""Progress: no deadlock, every accepted detach ends, and operators can always recover.

Weak fairness (`fsm/step.py` `Step.fair`): a request's own steps (nova code runs to the end)
and `compute.restart` (a crashed service comes back) are fair; the guest, instance operations,
crashes and operators are not: the guest may never acknowledge, nobody has to reboot.
"""

from detachcheck.fsm import request as req
from detachcheck.fsm.view import View
from detachcheck.properties import registry as reg
from detachcheck.properties.registry import AT_REST, REGISTRY, deadlock, liveness


@deadlock("every state with a request in flight has a next step", witness="detach_can_complete")
def no_deadlock(s: View) -> bool:
    return s.in_flight


@liveness("every accepted detach ends, detached or rolled back", witness="detach_can_complete")
def detach_terminates(s: View, q: str) -> bool:
    """Request q is still running. (How it ended is for the at-rest properties: a lost cast or
    an abort leaves Cinder `detaching`, which `no_stuck_transitional_status` reports.)"""
    return req.in_flight(s.request(q))


@reg.recoverable("operator actions can always restore a consistent state", witness="detach_can_complete")
def recoverable(s: View) -> bool:
    """Consistent: at rest and every at_rest property holds."""
    return s.at_rest and all(p.check(s) for p in REGISTRY.values() if p.kind == AT_REST)
