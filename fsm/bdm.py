"""Nova block-device mapping (BDM) of the volume on the instance, and its style.

Whether it carries an `attachment_id` (new-style, Queens+) is the BDM's `style`: set at attach
time, it decides the Cinder flow of a detach; only `nova-manage volume_attachment refresh`
(Xena+) turns a legacy BDM into a new-style one.
"""

from detachcheck.fsm.lifecycle import Lifecycle, t

PRESENT = "present"
DESTROYED = "destroyed"

BDM = Lifecycle(
    name="bdm",
    doc="Nova block_device_mapping row",
    states=(PRESENT, DESTROYED),
    initial=PRESENT,
    transitions=(
        t("destroy", PRESENT, DESTROYED,
          "nova/compute/manager.py ComputeManager._detach_volume (bdm.destroy()) @ pike"),
        t("create", DESTROYED, PRESENT,
          "nova/compute/api.py API._attach_volume -> _create_volume_bdm (a new BDM row) @ pike"),
    ),
)


LEGACY = "legacy"
NEW_STYLE = "attachment_id"
STYLES = (LEGACY, NEW_STYLE)

STYLE = Lifecycle(
    name="style",
    doc="BDM attachment_id: legacy Cinder calls or the attachments API",
    states=STYLES,
    initial=LEGACY,
    transitions=(
        t("refresh", STYLES, NEW_STYLE,
          "nova/cmd/manage.py VolumeAttachmentCommands._do_refresh (bdm.attachment_id = the new attachment) @ master"),
        t("attach_legacy", LEGACY, LEGACY,
          "nova/compute/api.py API._attach_volume (os-reserve: no attachment_id on the new BDM) @ pike"),
        t("attach_legacy", NEW_STYLE, LEGACY,
          "nova/compute/api.py API._attach_volume (os-reserve: no attachment_id on the new BDM) @ pike",
          unreachable="legacy attach is modelled only before Queens, where no BDM is new-style"),
        t("attach_new", STYLES, NEW_STYLE,
          "nova/compute/api.py API._attach_volume_new_flow? (attachment_create: the new BDM carries its id) @ queens"),
    ),
    state_docs={LEGACY: "no attachment_id: terminate_connection + os-detach",
                NEW_STYLE: "attachment_id set: attachment_delete (Queens+)"},
)
