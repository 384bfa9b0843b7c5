"""libvirt guest disk: is the volume in the persistent config, in the live domain,
and is a hot-unplug waiting for the guest OS to acknowledge it?"""

from fsm.lifecycle import Lifecycle, t

PERSISTENT_AND_LIVE = "persistent+live"
LIVE_UNPLUG_PENDING = "live, unplug pending"
ABSENT = "absent"

_GUEST = "nova/virt/libvirt/guest.py Guest.detach_device_with_retry"

DISK = Lifecycle(
    name="disk",
    doc="libvirt guest disk (persistent config, live domain, unplug pending)",
    states=(PERSISTENT_AND_LIVE, LIVE_UNPLUG_PENDING, ABSENT),
    initial=PERSISTENT_AND_LIVE,
    transitions=(
        t("detach_persistent_and_live", (PERSISTENT_AND_LIVE, LIVE_UNPLUG_PENDING), LIVE_UNPLUG_PENDING,
          f"{_GUEST} _try_detach_device(persistent=True, live=True): one detachDeviceFlags "
          "call with CONFIG|LIVE; the live part only asks the guest to unplug @ pike"),
        t("detach_live", LIVE_UNPLUG_PENDING, None,
          f"{_GUEST} _do_wait_and_retry_detach: live-only retry, the unplug stays pending @ pike"),
        t("ack_unplug", LIVE_UNPLUG_PENDING, ABSENT,
          "guest OS acknowledges the ACPI hot-unplug; QEMU DEVICE_DELETED, libvirt drops the "
          "disk from the live XML (read by nova/virt/libvirt/guest.py Guest.get_disk) @ pike"),
    ),
    state_docs={
        PERSISTENT_AND_LIVE: "in the persistent config and the live domain",
        LIVE_UNPLUG_PENDING: "gone from the persistent config; still in the live domain, unplug requested",
        ABSENT: "in neither",
    },
)


def in_guest(state: str) -> bool:
    """The disk is still in the guest (persistent config or live domain)."""
    return state != ABSENT


def in_live(state: str) -> bool:
    """The running guest still uses the disk."""
    return state in (PERSISTENT_AND_LIVE, LIVE_UNPLUG_PENDING)


def in_persistent(state: str) -> bool:
    """The persistent (next boot) config still has the disk."""
    return state == PERSISTENT_AND_LIVE
