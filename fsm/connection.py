"""Host connection (os-brick): the iSCSI session and /dev/disk/by-path device on the compute host."""

from fsm.lifecycle import Lifecycle, t

CONNECTED = "connected"
DISCONNECTED = "disconnected"

CONNECTION = Lifecycle(
    name="connection",
    doc="os-brick host connection",
    states=(CONNECTED, DISCONNECTED),
    initial=CONNECTED,
    transitions=(
        t("disconnect_volume", CONNECTED, DISCONNECTED,
          "nova/virt/libvirt/driver.py LibvirtDriver._disconnect_volume -> "
          "os_brick/initiator/connectors/iscsi.py ISCSIConnector.disconnect_volume @ pike"),
    ),
)
