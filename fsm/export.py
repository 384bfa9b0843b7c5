"""Storage export: the array maps the volume's LUN to the compute host's initiator group."""

from detachcheck.fsm.lifecycle import Lifecycle, t

MAPPED = "mapped"
UNMAPPED = "unmapped"

_TERM = ("cinder/volume/manager.py VolumeManager.terminate_connection -> driver.terminate_connection "
         "(NetApp block_base terminate_connection_iscsi -> _unmap_lun)")

EXPORT = Lifecycle(
    name="export",
    doc="storage array LUN mapping to the host",
    states=(MAPPED, UNMAPPED),
    initial=MAPPED,
    transitions=(
        t("terminate_connection", MAPPED, UNMAPPED, f"{_TERM} @ pike"),
        t("terminate_connection", UNMAPPED, None, f"{_TERM} (nothing mapped: nothing to do) @ pike"),
        t("initialize_connection", (MAPPED, UNMAPPED), MAPPED,
          "cinder/volume/manager.py VolumeManager.initialize_connection (or attachment_update) -> "
          "driver.initialize_connection maps the LUN @ pike"),
    ),
)
