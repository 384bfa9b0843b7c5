"""Host connection (os-brick): the iSCSI session and /dev/disk/by-path device on the compute host."""

from detachcheck.fsm.lifecycle import Lifecycle, t

CONNECTED = "connected"
DISCONNECTED = "disconnected"

_BRICK = "os_brick/initiator/connectors/iscsi.py ISCSIConnector"

CONNECTION = Lifecycle(
    name="connection",
    doc="os-brick host connection",
    states=(CONNECTED, DISCONNECTED),
    initial=CONNECTED,
    transitions=(
        t("disconnect_volume", CONNECTED, DISCONNECTED,
          f"nova/virt/libvirt/driver.py LibvirtDriver._disconnect_volume -> {_BRICK}.disconnect_volume @ pike"),
        t("disconnect_volume", DISCONNECTED, None,
          f"{_BRICK}.disconnect_volume (no session or device: returns OK) @ pike"),
        t("connect_volume", (CONNECTED, DISCONNECTED), CONNECTED,
          f"nova/virt/libvirt/driver.py LibvirtDriver._connect_volume -> {_BRICK}.connect_volume @ pike"),
    ),
)
