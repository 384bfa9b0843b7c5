"""Protocol steps: atomic actions over the component lifecycles.

A step is one atomic action of the detach protocol, named in the domain vocabulary
(domain.md section 4). Like a TLA+ action it has a guard, an effect and (implicitly)
everything else unchanged:

- guard: the request is at one of `at` (request-bound steps), the outcome's
  `requires` holds (component -> allowed states), and every trigger in `fires` is
  valid from the component's current state;
- effect: the request moves to `then`, each fired trigger moves its component;
- outcomes: the alternatives the real code allows (`ok`, and faults such as
  `error`, `timeout`, `lost`), each with the exception raised and what the code does with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROOT = "root"
DATA = "data"


@dataclass(frozen=True)
class Outcome:
    """One alternative result of a step."""

    name: str
    then: str | None = None
    requires: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fires: tuple[tuple[str, str], ...] = ()
    volume: str | None = None  # ROOT or DATA: the bound volume must be of that kind
    fault: bool = False
    raises: str = ""
    handling: str = ""
    note: str = ""
    when: dict[str, bool] = field(default_factory=dict)  # release switches required


@dataclass(frozen=True)
class Step:
    """One protocol step; `at` lists the request states it runs from (None: not a request step)."""

    name: str
    actor: str
    cite: str
    outcomes: tuple[Outcome, ...]
    at: tuple[str, ...] | None = None
    binds_volume: bool = False  # the step picks the volume the request is about

    def outcome(self, name: str) -> Outcome:
        """The outcome called `name` (KeyError if the step has none)."""
        for o in self.outcomes:
            if o.name == name:
                return o
        raise KeyError(name)
