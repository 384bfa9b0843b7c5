"""Nova block-device mapping (BDM) of the volume on the instance."""

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
          "nova/compute/manager.py ComputeManager._detach_volume (bdm.destroy(), last) @ pike"),
    ),
)
