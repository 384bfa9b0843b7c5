"""The per-instance lock of nova-compute (`utils.synchronized(instance.uuid)`, in-process).

A detach request holds it from its first compute step to its last (release switch
`detach_lock`); stop, shelve-offload and unshelve take it in every release, hard reboot
from Ussuri (`reboot_lock`), start never. A crash frees it with the process.
"""

from detachcheck.fsm.lifecycle import Lifecycle, T, t

FREE = "free"
MAX_HOLDERS = 3

_CITE = "nova/compute/manager.py ComputeManager.detach_volume under utils.synchronized(instance.uuid) @ pike-eol"


def held_by(request: str) -> str:
    """The lock state while detach request `request` holds it."""
    return f"held by request {request}"


def _transitions() -> tuple[T, ...]:
    out = []
    for r in range(1, MAX_HOLDERS + 1):
        q = str(r)
        out.append(t(f"hold_{q}", FREE, held_by(q), _CITE))
        out.append(t(f"hold_{q}", held_by(q), None, _CITE))
        out.append(t(f"release_{q}", held_by(q), FREE, _CITE))
    holders = tuple(held_by(str(r)) for r in range(1, MAX_HOLDERS + 1))
    out.append(t("crash", (FREE, *holders), FREE,
                 "oslo_concurrency/lockutils.py internal_lock (in-process: gone with the nova-compute process) @ pike"))
    return tuple(out)


LOCK = Lifecycle(
    name="lock",
    doc="nova-compute per-instance lock",
    states=(FREE, *(held_by(str(r)) for r in range(1, MAX_HOLDERS + 1))),
    initial=FREE,
    transitions=_transitions(),
    per_volume=False,
)
