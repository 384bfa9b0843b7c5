"""Cinder attachment record (volume_attachment row) of the volume to the instance.

After a Queens+ shelve-offload the row is replaced by a new `reserved` one; the model
keeps one slot for "the instance's attachment", whichever row that is.
"""

from detachcheck.fsm.lifecycle import Lifecycle, t

ATTACHED = "attached"
ERROR_DETACHING = "error_detaching"
RESERVED = "reserved"
DELETED = "deleted"

_MGR = "cinder/volume/manager.py VolumeManager.detach_volume"

ATTACHMENT = Lifecycle(
    name="attachment",
    doc="Cinder volume_attachment row",
    states=(ATTACHED, ERROR_DETACHING, RESERVED, DELETED),
    initial=ATTACHED,
    transitions=(
        t("detach", (ATTACHED, ERROR_DETACHING, RESERVED), DELETED,
          f"{_MGR} -> cinder/db/sqlalchemy/api.py volume_detached (soft-delete) @ pike"),
        t("detach", DELETED, None,
          f"{_MGR} (VolumeAttachmentNotFound: 'Volume detach called, but volume not attached.', "
          "finish_detach; HTTP 202) @ pike"),
        t("detach_failed", ATTACHED, ERROR_DETACHING,
          f"{_MGR} (driver.detach_volume raised: attach_status error_detaching) @ pike"),
        t("delete", (ATTACHED, RESERVED), DELETED,
          "cinder/volume/api.py API.attachment_delete (row soft-deleted) @ queens"),
        t("shelve_reserve", (ATTACHED, DELETED), RESERVED,
          "nova/compute/manager.py ComputeManager._terminate_volume_connections "
          "(attachment_create: a new reserved row) @ queens"),
        t("os_attach", DELETED, ATTACHED,
          "nova/virt/block_device.py DriverVolumeBlockDevice.attach -> cinder os-attach (new row) @ pike"),
        t("os_attach", (ATTACHED, ERROR_DETACHING), None,
          "nova/virt/block_device.py DriverVolumeBlockDevice.attach (no os-attach: row kept) @ pike"),
        t("attachment_complete", (RESERVED, DELETED), ATTACHED,
          "cinder/volume/api.py API.attachment_update + attachment_complete @ queens"),
        t("refresh", (ATTACHED, ERROR_DETACHING, DELETED), ATTACHED,
          "nova/cmd/manage.py VolumeAttachmentCommands._do_refresh (attachment_create, attachment_update, "
          "attachment_complete: a new attached row) @ master"),
        t("reset_detached", (ATTACHED, ERROR_DETACHING, RESERVED), DELETED,
          "cinder/api/contrib/admin_actions.py VolumeAdminController._reset_status "
          "(attach_status=detached: volume_detached for every attachment) @ pike"),
        t("reset_detached", DELETED, None,
          "cinder/api/contrib/admin_actions.py AdminController._reset_status (no attachment row left: "
          "nothing to clean) @ pike"),
    ),
    state_docs={DELETED: "soft-deleted: Cinder no longer lists it"},
)
