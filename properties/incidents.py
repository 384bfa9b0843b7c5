"""Real incidents as end states: the checker reports whether, and how soon, a release reaches each.

Not properties (reaching one is not a verdict on the model): queries whose shortest
path the report prints, so a user sees how their release gets there.
"""

from __future__ import annotations

from dataclasses import dataclass

from detachcheck.fsm import request as req
from detachcheck.fsm.bdm import PRESENT
from detachcheck.fsm.connection import CONNECTED
from detachcheck.fsm.disk import LIVE_UNPLUG_PENDING
from detachcheck.fsm.export import MAPPED
from detachcheck.fsm.view import View
from detachcheck.fsm.volume import IN_USE
from detachcheck.properties.registry import SOMETIMES, Predicate, Property


@dataclass(frozen=True)
class Incident:
    """A documented real-world end state."""

    id: str
    source: str
    meaning: str
    check: Predicate

    def as_property(self) -> Property:
        """The incident as a reachability query for the explorer."""
        return Property(self.id, SOMETIMES, self.meaning, self.check)


def seed_incident(s: View) -> bool:
    """A detach rolled back with the disk still in the live guest: Cinder in-use again,
    the disk gone from the persistent config, the unplug still pending, BDM, host
    connection and LUN mapping all still in place."""
    return any(s.request(q) == req.ROLLED_BACK and s.volume(v) == IN_USE and s.disk(v) == LIVE_UNPLUG_PENDING
               and s.bdm(v) == PRESENT and s.connection(v) == CONNECTED and s.export(v) == MAPPED
               for q in s.requests for v in (s.target(q),))


INCIDENTS: dict[str, Incident] = {
    "seed_device_detach_failed": Incident(
        "seed_device_detach_failed",
        "shared/seed/000_2211a441efd8faf8.txt (2017-06-20, kolla Ocata/Pike, NetApp iSCSI)",
        "DeviceDetachFailed: Unable to detach from guest transient domain; Cinder in-use -> detaching "
        "-> in-use; the disk stays in the live guest",
        seed_incident,
    ),
}
