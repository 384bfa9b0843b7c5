"""`sometimes` properties: states that must be reachable, so that no pass is vacuous."""

from detachcheck.fsm import request as req
from detachcheck.fsm.attachment import DELETED
from detachcheck.fsm.bdm import DESTROYED, PRESENT
from detachcheck.fsm.connection import DISCONNECTED
from detachcheck.fsm.disk import ABSENT
from detachcheck.fsm.export import UNMAPPED
from detachcheck.fsm.instance import SHELVED_OFFLOADED
from detachcheck.fsm.view import View
from detachcheck.fsm.volume import AVAILABLE, IN_USE
from detachcheck.properties.registry import sometimes


@sometimes("some path detaches the volume fully (`available`, nothing left anywhere)")
def detach_can_complete(s: View) -> bool:
    return any(s.volume(v) == AVAILABLE and s.attachment(v) == DELETED and s.bdm(v) == DESTROYED
               and s.disk(v) == ABSENT and s.connection(v) == DISCONNECTED and s.export(v) == UNMAPPED
               for v in s.data_volumes)


@sometimes("some path rolls a failed detach back to `in-use`")
def detach_can_roll_back(s: View) -> bool:
    return any(s.request(q) == req.ROLLED_BACK and s.volume(s.target(q)) == IN_USE for q in s.requests)


@sometimes("some request to detach the boot volume reaches the API and is refused")
def root_detach_refused(s: View) -> bool:
    return any(s.target(q) == "root" and s.request(q) == req.REJECTED for q in s.requests)


@sometimes("an instance is shelved-offloaded with a volume attached")
def instance_shelved_offloaded(s: View) -> bool:
    return s.instance() == SHELVED_OFFLOADED and any(s.bdm(v) == PRESENT for v in s.data_volumes)
