"""Protocol steps: atomic actions over the component lifecycles.

A step is one atomic action of the detach protocol or of a process that interleaves with
it, named in the domain vocabulary (domain.md section 4). Like a TLA+ action it has a
guard, an effect and (implicitly) everything else unchanged:

- guard: the request is at one of `at` (request steps), the outcome's `requires` holds
  (component -> allowed states), and every trigger in `fires` is valid from the
  component's current state;
- effect: the request moves to `then`, each fired trigger moves its component;
- outcomes: the alternatives the real code allows (`ok`, and faults such as `error`,
  `timeout`, `lost`), each with the exception raised and what the code does with it.

Three scopes: a request step is bound to one request and the volume it is about; a volume
step (the guest, an operator) to one volume; an instance step (stop, reboot, shelve,
crash, ...) to the whole instance, with `each_volume` effects chosen per volume.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROOT = "root"
DATA = "data"

REQUEST = "request"
VOLUME = "volume"
INSTANCE = "instance"

FAST = "fast"
SLOW = "slow"
PROCESS = "process"
DURATIONS = {
    FAST: "one DB or REST call (milliseconds)",
    SLOW: "an RPC to nova-compute and its work, a libvirt or guest unplug, an iSCSI logout (seconds)",
    PROCESS: "a whole instance operation: stop, start, hard reboot, shelve-offload, unshelve, "
             "a crash and restart (tens of seconds)",
}
"""Duration classes: a counterexample that runs a `slow` or `process` step of another actor
inside a synchronous section needs a narrow window (`checker/likelihood.py`)."""


@dataclass(frozen=True)
class Effect:
    """For instance steps: fires `fires` on each volume whose components match `when`."""

    when: dict[str, tuple[str, ...]]
    fires: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Outcome:
    """One alternative result of a step."""

    name: str
    then: str | None = None
    requires: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fires: tuple[tuple[str, str], ...] = ()
    each_volume: tuple[Effect, ...] = ()
    """Instance steps: per volume, the one effect whose `when` holds (a volume matching none
    disables the outcome)."""
    needs_effect: int | None = None
    """Instance steps: the outcome is enabled only if some volume takes effect number N."""
    each_request: str | None = None
    """A request-lifecycle trigger fired on every request (e.g. a crash ends those in compute)."""
    volume: str | None = None  # ROOT or DATA: the bound volume must be of that kind
    fault: bool = False
    raises: str = ""
    handling: str = ""
    note: str = ""
    when: dict[str, bool] = field(default_factory=dict)  # release switches required
    unreachable: str = ""  # why no modelled scenario takes it (declared for the code's sake)
    determined: bool = False
    """A fault the state itself determines, not the environment: the guest never answered and the
    retries ran out, it refused the unplug, the domain is shut off. It happens for sure, so whoever
    cannot count on the guest can count on it (operator recovery, `checker/recovery.py`)."""


@dataclass(frozen=True)
class Step:
    """One protocol step. Several declarations may share a name (disjoint `at` or `when`)."""

    name: str
    actor: str
    cite: str
    outcomes: tuple[Outcome, ...]
    scope: str = REQUEST
    at: tuple[str, ...] = ()
    binds_volume: bool = False  # the step picks the volume the request is about
    needs_service: bool = False  # runs in nova-compute: only while the service is up
    at_rest: bool = False  # only while no detach request is in flight (operator recovery)
    fair: bool | None = None
    """Weak fairness: if the step stays enabled it eventually happens (some outcome of it).
    Default: request steps are fair (nova's code runs on), others are not."""
    lock: str | None = None
    """Release switch under which the step runs under the instance lock (`always`: every release)."""
    when: dict[str, bool] = field(default_factory=dict)
    duration: str = ""
    """`fast`, `slow` or `process` (`DURATIONS`): what the step does in the code, and so how long it takes."""
    sync: str = ""
    """The synchronous section the step belongs to: consecutive steps of one request that one thread
    runs without waiting (nova-api's handling of one DELETE). Empty: none."""
    unbinds_volume: bool = False
    """The step ends every request's tie to its volume (new requests in the same slots pick again)."""

    @property
    def is_fair(self) -> bool:
        return self.fair if self.fair is not None else self.scope == REQUEST

    def outcome(self, name: str) -> Outcome:
        """The outcome called `name` (KeyError if the step has none)."""
        for o in self.outcomes:
            if o.name == name:
                return o
        raise KeyError(name)
