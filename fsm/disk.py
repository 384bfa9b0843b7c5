"""libvirt guest disk: is the volume in the persistent config, in the live domain,
and is a hot-unplug waiting for the guest OS to acknowledge it?"""

from detachcheck.fsm.lifecycle import Lifecycle, t

PERSISTENT_AND_LIVE = "persistent+live"
PERSISTENT_AND_LIVE_PENDING = "persistent+live, unplug pending"
PERSISTENT = "persistent"
LIVE = "live"
LIVE_UNPLUG_PENDING = "live, unplug pending"
ABSENT = "absent"

ALL = (PERSISTENT_AND_LIVE, PERSISTENT_AND_LIVE_PENDING, PERSISTENT, LIVE, LIVE_UNPLUG_PENDING, ABSENT)
LIVE_STATES = (PERSISTENT_AND_LIVE, PERSISTENT_AND_LIVE_PENDING, LIVE, LIVE_UNPLUG_PENDING)
PENDING = (PERSISTENT_AND_LIVE_PENDING, LIVE_UNPLUG_PENDING)
IN_PERSISTENT = (PERSISTENT_AND_LIVE, PERSISTENT_AND_LIVE_PENDING, PERSISTENT)

_GUEST = "nova/virt/libvirt/guest.py Guest.detach_device_with_retry"
_DRIVER = "nova/virt/libvirt/driver.py"

DISK = Lifecycle(
    name="disk",
    doc="libvirt guest disk (persistent config, live domain, unplug pending)",
    states=ALL,
    initial=PERSISTENT_AND_LIVE,
    transitions=(
        t("detach_persistent_and_live", (PERSISTENT_AND_LIVE, PERSISTENT_AND_LIVE_PENDING, LIVE_UNPLUG_PENDING),
          LIVE_UNPLUG_PENDING,
          f"{_GUEST} _try_detach_device(persistent=True, live=True): one detachDeviceFlags call with "
          "CONFIG|LIVE; the live part only asks the guest to unplug @ pike"),
        t("detach_persistent_and_live", PERSISTENT, ABSENT,
          f"{_GUEST} (domain not running: live=False, CONFIG only) @ pike"),
        t("detach_live", PENDING, None,
          f"{_GUEST} _do_wait_and_retry_detach: live-only retry, the unplug stays pending @ pike"),
        t("detach_live", LIVE, LIVE_UNPLUG_PENDING,
          f"{_GUEST} _do_wait_and_retry_detach: live-only detach of a disk the persistent config "
          "no longer has @ pike"),
        t("detach_live", PERSISTENT_AND_LIVE, PERSISTENT_AND_LIVE_PENDING,
          f"{_GUEST} _do_wait_and_retry_detach: live-only retry on a domain rebuilt meanwhile "
          "(the persistent config has the disk again) @ pike"),
        t("detach_persistent", PERSISTENT_AND_LIVE, LIVE,
          f"{_DRIVER} LibvirtDriver._detach_from_persistent (CONFIG only, once) @ wallaby-eom"),
        t("detach_persistent", PERSISTENT_AND_LIVE_PENDING, LIVE_UNPLUG_PENDING,
          f"{_DRIVER} LibvirtDriver._detach_from_persistent (CONFIG only, once) @ wallaby-eom"),
        t("detach_persistent", ABSENT, None,
          f"{_DRIVER} LibvirtDriver._detach_with_retry (in neither config: DeviceNotFound, logged) @ wallaby-eom"),
        t("detach_persistent", PERSISTENT, ABSENT,
          f"{_DRIVER} LibvirtDriver._detach_with_retry (domain not running: persistent only) @ wallaby-eom"),
        t("ack_unplug", LIVE_UNPLUG_PENDING, ABSENT,
          "guest OS acknowledges the ACPI hot-unplug; QEMU DEVICE_DELETED, libvirt drops the disk from "
          f"the live XML ({_GUEST}: Guest.get_disk no longer finds it) @ pike"),
        t("ack_unplug", PERSISTENT_AND_LIVE_PENDING, PERSISTENT,
          "guest OS acknowledges a live-only unplug: the persistent config keeps the disk "
          f"({_GUEST} live-only retry) @ pike"),
        t("refuse_unplug", PERSISTENT_AND_LIVE_PENDING, PERSISTENT_AND_LIVE,
          f"libvirt VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED ({_DRIVER} "
          "LibvirtDriver._detach_from_live_and_wait_for_event) @ wallaby-eom"),
        t("refuse_unplug", LIVE_UNPLUG_PENDING, LIVE,
          f"libvirt VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED ({_DRIVER} "
          "LibvirtDriver._detach_from_live_and_wait_for_event) @ wallaby-eom"),
        t("power_off", (PERSISTENT_AND_LIVE, PERSISTENT_AND_LIVE_PENDING, PERSISTENT), PERSISTENT,
          f"{_DRIVER} LibvirtDriver.power_off -> _destroy (domain shut off, definition kept) @ pike"),
        t("power_off", (LIVE, LIVE_UNPLUG_PENDING, ABSENT), ABSENT,
          f"{_DRIVER} LibvirtDriver.power_off (a disk only in the live domain goes with it) @ pike"),
        t("undefine", ALL, ABSENT,
          f"{_DRIVER} LibvirtDriver.destroy -> cleanup -> _undefine_domain @ pike"),
        t("attach", ABSENT, PERSISTENT_AND_LIVE,
          f"{_DRIVER} LibvirtDriver.attach_volume -> guest.attach_device(persistent=True, live=True) @ pike"),
        t("attach_stopped", ABSENT, PERSISTENT,
          f"{_DRIVER} LibvirtDriver.attach_volume (domain not running: persistent config only) @ pike"),
        t("rebuild", ALL, PERSISTENT_AND_LIVE,
          f"{_DRIVER} LibvirtDriver._hard_reboot: XML rebuilt from block_device_info (the BDMs) @ pike"),
    ),
    state_docs={
        PERSISTENT_AND_LIVE: "in the persistent config and the live domain",
        PERSISTENT_AND_LIVE_PENDING: "in both; a live-only unplug requested",
        PERSISTENT: "in the persistent config only (domain shut off, or a live-only unplug done)",
        LIVE: "gone from the persistent config; in the live domain, no unplug requested",
        LIVE_UNPLUG_PENDING: "gone from the persistent config; in the live domain, unplug requested",
        ABSENT: "in neither",
    },
)


def in_guest(state: str) -> bool:
    """The disk is still in the guest (persistent config or live domain)."""
    return state != ABSENT


def in_live(state: str) -> bool:
    """The running guest still uses the disk."""
    return state in LIVE_STATES


def in_persistent(state: str) -> bool:
    """The persistent (next boot) config still has the disk."""
    return state in IN_PERSISTENT
