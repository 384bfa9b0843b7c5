"""Nova instance: vm_state / task_state / host, strings as in nova/compute/vm_states.py.

Instance operations (stop, start, reboot, shelve-offload, unshelve) are atomic compute
steps here: the API sets a task_state that makes a detach request wait (409), and the
compute step clears it; the window in which the API refuses is the step itself.
"""

from detachcheck.fsm.lifecycle import Lifecycle, t

ACTIVE = "ACTIVE/None/host"
STOPPED = "STOPPED/None/host"
SHELVED_OFFLOADED = "SHELVED_OFFLOADED/None/None"
SHELVED = "SHELVED/None/host"
ERROR = "ERROR/None/host"

ON_HOST = (ACTIVE, STOPPED)

# vm_states that nova/compute/api.py API.detach_volume accepts (check_instance_state @ pike)
# and that this model has; ERROR is refused (409).
DETACH_ALLOWED = (ACTIVE, STOPPED, SHELVED, SHELVED_OFFLOADED)

_MGR = "nova/compute/manager.py ComputeManager"

INSTANCE = Lifecycle(
    name="instance",
    doc="Nova instance vm_state/task_state/host",
    states=(ACTIVE, STOPPED, SHELVED_OFFLOADED, SHELVED, ERROR),
    initial=ACTIVE,
    transitions=(
        t("stop", ACTIVE, STOPPED, f"{_MGR}.stop_instance -> driver.power_off @ pike"),
        t("start", STOPPED, ACTIVE, f"{_MGR}.start_instance -> driver.power_on -> _hard_reboot @ pike"),
        t("hard_reboot", (*ON_HOST, ERROR), ACTIVE,
          f"{_MGR}.reboot_instance -> driver.reboot(hard) -> _hard_reboot (vm_states.ALLOW_HARD_REBOOT "
          "includes ERROR) @ pike"),
        t("reboot_failed", (*ON_HOST, ERROR), ERROR,
          f"{_MGR}.reboot_instance (driver.reboot raised: _set_instance_obj_error_state) @ pike"),
        t("shelve_offload", ON_HOST, SHELVED_OFFLOADED,
          f"{_MGR}.shelve_instance -> _shelve_offload_instance (shelved_offload_time=0) @ pike"),
        t("shelve_offload", SHELVED, SHELVED_OFFLOADED,
          f"{_MGR}.shelve_offload_instance (`nova shelve-offload` of a SHELVED instance) @ queens"),
        t("shelve_offload_failed", ON_HOST, SHELVED,
          f"{_MGR}._shelve_offload_instance: an exception after driver.destroy, before vm_state "
          "SHELVED_OFFLOADED and the host nil-out (reverts_task_state) @ queens"),
        t("unshelve", SHELVED_OFFLOADED, ACTIVE, f"{_MGR}.unshelve_instance -> _prep_block_device, spawn @ pike"),
        t("unshelve", SHELVED, ACTIVE,
          f"{_MGR}.unshelve_instance (a SHELVED instance: spawned again on its host) @ queens"),
        t("reset_active", ERROR, ACTIVE,
          "nova/api/openstack/compute/admin_actions.py AdminActionsController._reset_state (DB only) @ pike"),
    ),
    per_volume=False,
    state_docs={ACTIVE: "running on its compute host, no task in progress, unlocked",
                STOPPED: "powered off on its host", SHELVED_OFFLOADED: "no host: nothing on any hypervisor",
                SHELVED: "shelved, the host still set, the domain destroyed (a shelve-offload failed half-way)",
                ERROR: "a failed operation left it in ERROR; the API refuses a detach (409)"},
)


def vm_state(state: str) -> str:
    """The vm_state part of an instance state (`ACTIVE/None/host` -> `ACTIVE`)."""
    return state.split("/", 1)[0]
