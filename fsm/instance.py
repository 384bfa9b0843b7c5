"""Nova instance: vm_state / task_state / host, strings as in nova/compute/vm_states.py."""

from fsm.lifecycle import Lifecycle

ACTIVE = "ACTIVE/None/host"
SHELVED_OFFLOADED = "SHELVED_OFFLOADED"
"""vm_state of an offloaded instance (no host); not reachable in the Pike base yet."""

# vm_states that nova/compute/api.py API.detach_volume accepts (check_instance_state @ pike);
# task_state must be None, the instance unlocked.
DETACH_ALLOWED = (ACTIVE,)

INSTANCE = Lifecycle(
    name="instance",
    doc="Nova instance vm_state/task_state/host",
    states=(ACTIVE,),
    initial=ACTIVE,
    transitions=(),
    per_volume=False,
    state_docs={ACTIVE: "running on its compute host, no task in progress, unlocked"},
)


def vm_state(state: str) -> str:
    """The vm_state part of an instance state (`ACTIVE/None/host` -> `ACTIVE`)."""
    return state.split("/", 1)[0]
