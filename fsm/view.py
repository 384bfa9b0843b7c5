"""Named, read-only access to one composed state, for properties and reports."""

from __future__ import annotations

from detachcheck.fsm import request as req
from detachcheck.fsm.system import System


class Layout:
    """How a system's states are laid out: slot positions and value names (built once)."""

    __slots__ = ("system", "where", "names")

    def __init__(self, system: System) -> None:
        self.system = system
        self.where = {(s.component, s.index): i for i, s in enumerate(system.slots)}
        self.names = tuple(s.values for s in system.slots)

    def view(self, values: tuple[int, ...]) -> View:
        """Name-based access to a state tuple of value indices."""
        return View(self, values)


class View:
    """A composed state read by component name: `s.volume("1")`, `s.disk("root")`, ..."""

    __slots__ = ("system", "values", "_where", "_names")

    def __init__(self, layout: Layout, values: tuple[int, ...]) -> None:
        self.system = layout.system
        self.values = values
        self._where = layout.where
        self._names = layout.names

    def get(self, component: str, index: str | None = None) -> str:
        """The state name of `component` (of volume or request `index`)."""
        i = self._where[(component, index)]
        return self._names[i][self.values[i]]

    @property
    def volumes(self) -> tuple[str, ...]:
        return self.system.volume_ids

    @property
    def data_volumes(self) -> tuple[str, ...]:
        return self.system.data_volume_ids

    @property
    def requests(self) -> tuple[str, ...]:
        return self.system.request_ids

    def instance(self) -> str:
        return self.get("instance")

    def volume(self, v: str) -> str:
        return self.get("volume", v)

    def attachment(self, v: str) -> str:
        return self.get("attachment", v)

    def bdm(self, v: str) -> str:
        return self.get("bdm", v)

    def disk(self, v: str) -> str:
        return self.get("disk", v)

    def connection(self, v: str) -> str:
        return self.get("connection", v)

    def export(self, v: str) -> str:
        return self.get("export", v)

    def request(self, q: str) -> str:
        return self.get("request", q)

    def target(self, q: str) -> str:
        """The volume request `q` is about (`none` before `api.get_volume`)."""
        return self.get("target", q)

    @property
    def in_flight(self) -> bool:
        """Some request has been sent and has not ended."""
        return any(req.in_flight(self.request(q)) for q in self.requests)

    @property
    def at_rest(self) -> bool:
        """At rest: no request in flight (each is idle or ended), so no process is mid-step.

        A pending guest unplug is not a request: it is state the guest holds at rest.
        """
        return not self.in_flight

