"""The nova-compute service on the instance's host: up, or down after a crash."""

from detachcheck.fsm.lifecycle import Lifecycle, t

UP = "up"
DOWN = "down"

SERVICE = Lifecycle(
    name="service",
    doc="nova-compute service on the instance's host",
    states=(UP, DOWN),
    initial=UP,
    transitions=(
        t("crash", UP, DOWN, "nova-compute process dies: in-flight RPC handlers vanish, in-process locks "
          "with them (nova/compute/manager.py ComputeManager, oslo_concurrency lockutils) @ pike"),
        t("restart", DOWN, UP, "nova/compute/manager.py ComputeManager.init_host -> _init_instance "
          "(nothing for detaching volumes or half-detached BDMs) @ pike"),
    ),
    per_volume=False,
)
