"""Cinder attachment record (volume_attachment row) of the volume to the instance."""

from fsm.lifecycle import Lifecycle, t

ATTACHED = "attached"
ERROR_DETACHING = "error_detaching"
DELETED = "deleted"

_MGR = "cinder/volume/manager.py VolumeManager.detach_volume"

ATTACHMENT = Lifecycle(
    name="attachment",
    doc="Cinder volume_attachment row",
    states=(ATTACHED, ERROR_DETACHING, DELETED),
    initial=ATTACHED,
    transitions=(
        t("detach", (ATTACHED, ERROR_DETACHING), DELETED,
          f"{_MGR} -> cinder/db/sqlalchemy/api.py volume_detached (soft-delete) @ pike"),
        t("detach_failed", ATTACHED, ERROR_DETACHING,
          f"{_MGR} (driver.detach_volume raised: attach_status error_detaching) @ pike"),
    ),
    state_docs={DELETED: "soft-deleted: Cinder no longer lists it"},
)
