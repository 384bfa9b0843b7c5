"""Storage export: the array maps the volume's LUN to the compute host's initiator group."""

from fsm.lifecycle import Lifecycle, t

MAPPED = "mapped"
UNMAPPED = "unmapped"

EXPORT = Lifecycle(
    name="export",
    doc="storage array LUN mapping to the host",
    states=(MAPPED, UNMAPPED),
    initial=MAPPED,
    transitions=(
        t("terminate_connection", MAPPED, UNMAPPED,
          "cinder/volume/manager.py VolumeManager.terminate_connection -> driver.terminate_connection "
          "(e.g. NetApp block_base terminate_connection_iscsi -> _unmap_lun) @ pike"),
    ),
)
