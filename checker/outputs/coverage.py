"""Coverage: which step outcomes and which lifecycle transitions a search took.

Computed after the search by re-enumerating every explored state's enabled actions
(never in the hot loop). A declared transition or outcome that no explored state takes
is a finding: dead model code, or a behaviour the scenario cannot reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from detachcheck.checker.engine.graphs.unfold import RealPaths
from detachcheck.checker.engine.searches.explore import Exploration
from detachcheck.checker.engine.searches.packed import PackedExploration


@dataclass
class Coverage:
    """Taken step outcomes (`step:outcome`) and lifecycle transitions (`lifecycle.trigger` from a state)."""

    outcomes: set[str] = field(default_factory=set)
    transitions: set[tuple[str, str, str]] = field(default_factory=set)

    def update(self, other: Coverage) -> None:
        self.outcomes |= other.outcomes
        self.transitions |= other.transitions


def enabled_keys(exploration: Exploration) -> set[tuple[int, tuple[int, ...]]]:
    """(action index, values of the slots it fires) for every action enabled in an explored state."""
    if isinstance(exploration, PackedExploration | RealPaths):
        return exploration.taken()  # computed with the frontier step, over all states at once
    model = exploration.model
    keys: set[tuple[int, tuple[int, ...]]] = set()
    for state in exploration.states:
        for ai, _ in model.enabled(state):
            keys.add((ai, tuple(state[slot] for slot, _ in model.actions[ai].action.fires)))
    return keys


def coverage(exploration: Exploration) -> Coverage:
    """Everything the explored states enable: outcomes, and (lifecycle, trigger, source state)."""
    model = exploration.model
    slots = model.system.slots
    cov = Coverage()
    for ai, fired in enabled_keys(exploration):
        action = model.actions[ai].action
        cov.outcomes.add(f"{action.step.name}:{action.outcome.name}")
        values = {slot: v for (slot, _), v in zip(action.fires, fired, strict=True)}
        for slot, trigger in action.fires:  # triggers fire in order: follow the state through them
            lc = slots[slot].lifecycle
            if lc is None:
                continue
            name = slots[slot].values[values[slot]]
            cov.transitions.add((lc.name if not lc.name.startswith("request") else "request", trigger, name))
            dest = next(tr.dest for tr in lc.transitions if tr.trigger == trigger and name in tr.source)
            values[slot] = slots[slot].values.index(dest if dest is not None else name)
    return cov


def declared_transitions(lifecycle_name: str, transitions: tuple) -> set[tuple[str, str, str]]:
    """Every (lifecycle, trigger, source state) a lifecycle declares."""
    return {(lifecycle_name, tr.trigger, src) for tr in transitions for src in tr.source}


def coverage_report(exploration: Exploration) -> dict[str, object]:
    """What this release's search took and never took, as sorted lists for the report."""
    system = exploration.model.system
    cov = coverage(exploration)
    declared_outcomes = sorted({f"{s.name}:{o.name}" for s in system.release.steps() for o in s.outcomes
                                if (s.actor != "operator" or system.operator)
                                and (s.scope != "instance" or system.processes)})
    lifecycles = {slot.lifecycle.name: slot.lifecycle for slot in system.slots if slot.lifecycle is not None}
    declared: set[tuple[str, str, str]] = set()
    for name, lc in lifecycles.items():
        declared |= declared_transitions("request" if name.startswith("request") else name, lc.transitions)
    never_t = sorted(declared - cov.transitions)
    return {
        "outcomes": {"declared": len(declared_outcomes), "taken": len(set(declared_outcomes) & cov.outcomes),
                     "never": sorted(set(declared_outcomes) - cov.outcomes)},
        "transitions": {"declared": len(declared), "taken": len(declared & cov.transitions),
                        "never": [f"{lc}.{trig} from {src}" for lc, trig, src in never_t]},
    }
