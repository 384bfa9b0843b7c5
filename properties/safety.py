"""`always` properties (domain.md section 5): they hold in every reachable state."""

from detachcheck.fsm import disk
from detachcheck.fsm.bdm import PRESENT
from detachcheck.fsm.connection import CONNECTED
from detachcheck.fsm.export import MAPPED
from detachcheck.fsm.instance import SHELVED_OFFLOADED
from detachcheck.fsm.view import View
from detachcheck.fsm.volume import AVAILABLE, IN_USE
from detachcheck.properties.registry import always


@always("a volume is never `available` while its disk is still in the guest (live or persistent)",
        witness="detach_can_complete")
def available_implies_not_in_guest(s: View) -> bool:
    return not any(s.volume(v) == AVAILABLE and disk.in_guest(s.disk(v)) for v in s.volumes)


@always("never `available` while the host still holds its connection", witness="detach_can_complete")
def available_implies_no_host_connection(s: View) -> bool:
    return not any(s.volume(v) == AVAILABLE and s.connection(v) == CONNECTED for v in s.volumes)


@always("never `available` while the array still maps its LUN to the host", witness="detach_can_complete")
def available_implies_no_storage_export(s: View) -> bool:
    return not any(s.volume(v) == AVAILABLE and s.export(v) == MAPPED for v in s.volumes)


@always("the host connection is never removed while the live guest still uses the disk",
        witness="detach_can_complete")
def no_host_disconnect_while_in_guest(s: View) -> bool:
    return not any(s.connection(v) != CONNECTED and disk.in_live(s.disk(v)) for v in s.volumes)


@always("the LUN is never unmapped while the live guest still uses the disk", witness="detach_can_complete")
def no_storage_unmap_while_in_guest(s: View) -> bool:
    return not any(s.export(v) != MAPPED and disk.in_live(s.disk(v)) for v in s.volumes)


@always("the boot volume is never detached", witness="root_detach_refused")
def root_volume_never_detached(s: View) -> bool:
    return s.volume("root") == IN_USE and s.bdm("root") == PRESENT


@always("a shelved-offloaded instance has no guest disk, host connection or export",
        witness="instance_shelved_offloaded")
def shelved_offloaded_holds_nothing(s: View) -> bool:
    if s.instance() != SHELVED_OFFLOADED:
        return True
    return not any(disk.in_guest(s.disk(v)) or s.connection(v) == CONNECTED or s.export(v) == MAPPED
                   for v in s.volumes if s.bdm(v) == PRESENT)
