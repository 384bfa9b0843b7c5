"""`at_rest` properties: they must hold whenever no request is in flight (`View.at_rest`)."""

from detachcheck.fsm import disk
from detachcheck.fsm.attachment import ATTACHED, DELETED, ERROR_DETACHING, RESERVED
from detachcheck.fsm.bdm import PRESENT
from detachcheck.fsm.instance import ACTIVE, ON_HOST
from detachcheck.fsm.view import View
from detachcheck.fsm.volume import AVAILABLE, IN_USE, status
from detachcheck.fsm.volume import RESERVED as VOLUME_RESERVED
from detachcheck.properties.registry import at_rest

_EXPECTED_STATUS = {ATTACHED: IN_USE, ERROR_DETACHING: IN_USE, RESERVED: VOLUME_RESERVED, DELETED: AVAILABLE}


@at_rest("Nova's BDM exists exactly when Cinder has the attachment", witness="detach_can_complete")
def bdm_matches_attachment(s: View) -> bool:
    return all((s.bdm(v) == PRESENT) == (s.attachment(v) != DELETED) for v in s.volumes)


@at_rest("`in-use` exactly when an attachment exists; `available` when none", witness="detach_can_complete")
def status_matches_attachments(s: View) -> bool:
    return all(s.volume(v) == _EXPECTED_STATUS[s.attachment(v)] for v in s.volumes)


@at_rest("the guest's persistent config and live domain agree on the disk", witness="detach_can_roll_back")
def persistent_matches_live(s: View) -> bool:
    if s.instance() != ACTIVE:
        return True  # no live domain to compare with
    return all(disk.in_persistent(s.disk(v)) == disk.in_live(s.disk(v)) for v in s.volumes)


@at_rest("no volume left in `detaching` / `attaching`", witness="detach_can_roll_back")
def no_stuck_transitional_status(s: View) -> bool:
    return not any(status(s.volume(v)) in ("detaching", "attaching") for v in s.volumes)


@at_rest("the guest has exactly the data disks that Nova's BDMs list", witness="detach_can_complete")
def guest_disks_match_bdms(s: View) -> bool:
    if s.instance() not in ON_HOST:
        return True  # no guest on any host
    return all(disk.in_guest(s.disk(v)) == (s.bdm(v) == PRESENT) for v in s.volumes)
