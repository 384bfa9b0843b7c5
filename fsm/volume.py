"""Cinder volume: `status/attach_status` of one volume, as Cinder's DB holds them.

Strings are Cinder's own (cinder/objects/fields.py VolumeStatus, VolumeAttachStatus).
"""

from detachcheck.fsm.lifecycle import Lifecycle, t

IN_USE = "in-use/attached"
DETACHING = "detaching/attached"
AVAILABLE = "available/detached"
RESERVED = "reserved/attached"

ALL = (IN_USE, DETACHING, AVAILABLE, RESERVED)

_API = "cinder/volume/api.py"
_DB = "cinder/db/sqlalchemy/api.py"

VOLUME = Lifecycle(
    name="volume",
    doc="Cinder volume status/attach_status",
    states=ALL,
    initial=IN_USE,
    transitions=(
        t("begin_detaching", IN_USE, DETACHING,
          f"{_API} API.begin_detaching (conditional update in-use+attached -> detaching) @ pike"),
        t("roll_detaching", DETACHING, IN_USE,
          f"{_API} API.roll_detaching (conditional update detaching -> in-use) @ pike"),
        t("roll_detaching", (IN_USE, AVAILABLE, RESERVED), None,
          f"{_API} API.roll_detaching (the conditional update matches nothing: silent no-op) @ pike"),
        t("detach", (DETACHING, IN_USE, RESERVED), AVAILABLE,
          f"cinder/volume/manager.py VolumeManager.detach_volume -> {_DB} volume_detached "
          "(no status check; no attachment left -> available/detached) @ pike"),
        t("detach", AVAILABLE, None,
          "cinder/volume/manager.py VolumeManager.detach_volume (no attachment left: available/detached "
          "again, HTTP 202) @ pike",
          unreachable="os-detach follows begin_detaching under the detach lock, and every step that makes "
                      "the volume available runs at rest or under that lock; declared because Cinder has "
                      "no status check there"),
        t("attachment_delete", (IN_USE, DETACHING, RESERVED), AVAILABLE,
          f"{_API} API.attachment_delete (no volume-status guard; no attachment left -> available) @ queens"),
        t("shelve_reserve", (IN_USE, DETACHING, AVAILABLE), RESERVED,
          "nova/compute/manager.py ComputeManager._terminate_volume_connections: attachment_create "
          "then attachment_delete of the old one; the reserved attachment decides the status @ queens"),
        t("os_attach", AVAILABLE, IN_USE,
          "nova/virt/block_device.py DriverVolumeBlockDevice.attach -> cinder os-attach "
          "(only if the volume is detached) @ pike"),
        t("os_attach", (IN_USE, DETACHING), None,
          "nova/virt/block_device.py DriverVolumeBlockDevice.attach (volume not detached: no os-attach) @ pike"),
        t("attachment_complete", (RESERVED, AVAILABLE), IN_USE,
          f"{_API} API.attachment_complete (unconditional: in-use/attached) @ queens"),
        t("refresh", (IN_USE, DETACHING, AVAILABLE), IN_USE,
          "nova/cmd/manage.py VolumeAttachmentCommands._do_refresh -> cinder API.attachment_complete "
          "(unconditional: in-use/attached) @ master"),
        t("reset_available", (DETACHING, IN_USE, RESERVED), AVAILABLE,
          "cinder/api/contrib/admin_actions.py VolumeAdminController._reset_status "
          "(attach_status=detached: attachments soft-deleted, status recomputed) @ pike"),
        t("reset_in_use", (DETACHING, AVAILABLE, RESERVED), IN_USE,
          "cinder/api/contrib/admin_actions.py AdminController._reset_status (a DB update, no from-state "
          "check; no attachment row is made) @ pike"),
        t("reset_in_use", IN_USE, None,
          "cinder/api/contrib/admin_actions.py AdminController._reset_status (already in-use) @ pike"),
    ),
    state_docs={
        IN_USE: "attached to the instance",
        DETACHING: "begin_detaching succeeded; only roll_detaching, os-detach or reset-state move it",
        AVAILABLE: "no attachment left",
        RESERVED: "new-style attachment reserved for a shelved-offloaded instance (Queens+)",
    },
)


def status(state: str) -> str:
    """The Cinder `status` part of a volume state (`in-use/attached` -> `in-use`)."""
    return state.split("/", 1)[0]
