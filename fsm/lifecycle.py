"""A lifecycle: one component's finite-state machine, declared once as data.

The declaration feeds `transitions` (`Lifecycle.machine()`); the checker compiles
the resulting machine's events into tables, and `GraphMachine` draws it.
Every transition carries `cite`: the real code it stands for (file, function, release).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from transitions import Machine, Transition
from transitions.extensions.diagrams import GraphMachine, TransitionGraphSupport


class CitedTransition(Transition):
    """A `transitions` transition that also records the code it stands for."""

    def __init__(self, *args: Any, cite: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cite = cite


class CitedGraphTransition(TransitionGraphSupport):
    """The drawing twin of `CitedTransition`."""

    def __init__(self, *args: Any, cite: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cite = cite


class CitedMachine(Machine):
    """A `transitions.Machine` whose transitions carry citations."""

    transition_cls = CitedTransition


class CitedGraphMachine(GraphMachine):
    """A `GraphMachine` whose transitions carry citations (drawing only)."""

    transition_cls = CitedGraphTransition


@dataclass(frozen=True)
class T:
    """One declared transition: `trigger` moves `source` states to `dest`.

    `dest=None` is an internal transition: the trigger is valid there and changes nothing
    (e.g. Cinder's roll_detaching on a volume that is not `detaching`).
    """

    trigger: str
    source: tuple[str, ...]
    dest: str | None
    cite: str
    unreachable: str = ""
    """Why no modelled scenario takes this transition (declared for the code's sake); empty if taken."""

    def as_dict(self) -> dict[str, Any]:
        return {"trigger": self.trigger, "source": list(self.source), "dest": self.dest, "cite": self.cite}


def t(trigger: str, source: str | tuple[str, ...], dest: str | None, cite: str, unreachable: str = "") -> T:
    """Shorthand for a `T`; `source` may be one state or several."""
    return T(trigger, (source,) if isinstance(source, str) else tuple(source), dest, cite, unreachable)


@dataclass(frozen=True)
class Lifecycle:
    """A component lifecycle: its states, initial state and cited transitions."""

    name: str
    doc: str
    states: tuple[str, ...]
    initial: str
    transitions: tuple[T, ...]
    per_volume: bool = True
    state_docs: dict[str, str] = field(default_factory=dict)

    def machine(self, model: Any = None, initial: str | None = None) -> CitedMachine:
        """The `transitions` machine for this lifecycle (no auto `to_*` triggers)."""
        return CitedMachine(
            model=model if model is not None else Machine.self_literal,
            states=list(self.states),
            initial=initial or self.initial,
            transitions=[tr.as_dict() for tr in self.transitions],
            auto_transitions=False,
            send_event=True,
        )

    def graph_machine(self) -> CitedGraphMachine:
        """The same declaration as a `GraphMachine`, used only for drawing."""
        return CitedGraphMachine(
            states=list(self.states),
            initial=self.initial,
            transitions=[tr.as_dict() for tr in self.transitions],
            auto_transitions=False,
            graph_engine="graphviz",
            title=f"{self.name}: {self.doc}",
            show_conditions=False,
        )
