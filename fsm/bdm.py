"""Nova block-device mapping (BDM) of the volume on the instance.

Whether it carries an `attachment_id` (new-style, Queens+) is the volume's `style`
(`fsm/system.py`): fixed at attach time, it never changes during a detach.
"""

from fsm.lifecycle import Lifecycle, t

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
    ),
)
