"""Report data: what a check found, as plain data (no timings, dates or paths).

Rendering lives apart (`checker/render.py`), so the text, Markdown and JSON outputs all
show the same data, and two runs of the same check give byte-identical reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from checker.explore import Exploration
from properties.registry import ALWAYS, AT_REST, DEADLOCK, SOMETIMES, Property

HOLDS = "holds"
VIOLATED = "violated"
WITNESSED = "witnessed"
NOT_WITNESSED = "not witnessed"
UNKNOWN = "unknown"

FAILING = (VIOLATED, NOT_WITNESSED)


def verdict(prop: Property, exploration: Exploration) -> str:
    """The property's verdict; `unknown` when an incomplete search found nothing either way."""
    if prop.kind == SOMETIMES:
        if prop.id in exploration.found:
            return WITNESSED
        return NOT_WITNESSED if exploration.complete else UNKNOWN
    if prop.id in exploration.found:
        return VIOLATED
    return HOLDS if exploration.complete else UNKNOWN


def state_dict(exploration: Exploration, state_id: int) -> dict[str, str]:
    """Every slot of a state, by label."""
    model = exploration.model
    state = exploration.states[state_id]
    return {slot.label: slot.values[v] for slot, v in zip(model.system.slots, state, strict=True)}


def start_dict(exploration: Exploration, state_id: int) -> dict[str, str]:
    """How an initial state differs from the first one (e.g. a new-style volume)."""
    first = state_dict(exploration, 0)
    return {k: v for k, v in state_dict(exploration, state_id).items() if first[k] != v}


def path_steps(exploration: Exploration, state_id: int) -> list[dict[str, Any]]:
    """The numbered protocol steps to `state_id`, each with the component states it changed."""
    model = exploration.model
    slots = model.system.slots
    ids = exploration.path_states(state_id)
    steps = []
    for n, (before, after) in enumerate(zip(ids, ids[1:], strict=False), start=1):
        action = model.actions[exploration.via[after]].action
        old, new = exploration.states[before], exploration.states[after]
        changes = [{"component": slots[i].label, "from": slots[i].values[a], "to": slots[i].values[b]}
                   for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
        steps.append({
            "n": n,
            "step": action.step.name,
            "outcome": action.outcome.name,
            "keys": dict(action.keys),
            "actor": action.step.actor,
            "fault": action.outcome.fault,
            "raises": action.outcome.raises,
            "handling": action.outcome.handling,
            "note": action.outcome.note,
            "cite": action.step.cite,
            "changes": changes,
        })
    return steps


def property_entry(prop: Property, exploration: Exploration) -> dict[str, Any]:
    """One property's row: verdict and, where one exists, its shortest path."""
    v = verdict(prop, exploration)
    entry: dict[str, Any] = {"id": prop.id, "kind": prop.kind, "meaning": prop.meaning, "verdict": v,
                             "witness": prop.witness, "length": None, "start": None, "path": None,
                             "final_state": None}
    sid = exploration.found.get(prop.id)
    if sid is not None:
        entry["start"] = start_dict(exploration, exploration.path_states(sid)[0])
        entry["length"] = exploration.depth[sid]
        entry["path"] = path_steps(exploration, sid)
        entry["final_state"] = state_dict(exploration, sid)
    return entry


def incident_entry(query: Property, exploration: Exploration) -> dict[str, Any]:
    """An incident: reached or not, and the shortest path to it."""
    entry = property_entry(query, exploration)
    entry["verdict"] = {WITNESSED: "reached", NOT_WITNESSED: "unreachable"}.get(entry["verdict"], UNKNOWN)
    del entry["kind"], entry["witness"]
    return entry


def build_report(exploration: Exploration, properties: Sequence[Property], max_states: int | None,
                 incidents: Sequence[Property] = ()) -> dict[str, Any]:
    """The whole report as plain, deterministic data."""
    system = exploration.model.system
    release = system.release
    return {
        "tool": "detachcheck",
        "release": {"name": release.name, "nova": release.version, "summary": release.summary,
                    "switches": dict(sorted(release.switches.items()))},
        "scenario": {"volumes": system.volumes, "requests": system.requests, "operator": system.operator,
                     "processes": system.processes,
                     "initial_states": [state_dict(exploration, i) for i in range(len(exploration.model.initials))]},
        "search": {"states": len(exploration.states), "transitions": exploration.transitions,
                   "depth": max(exploration.depth), "complete": exploration.complete,
                   "max_states": max_states, "actions": len(exploration.model.actions)},
        "properties": [property_entry(p, exploration) for p in properties],
        "incidents": [incident_entry(q, exploration) for q in incidents],
    }


def failing(report: dict[str, Any]) -> list[str]:
    """Ids of properties that are violated or not witnessed."""
    return [p["id"] for p in report["properties"] if p["verdict"] in FAILING]


KIND_ORDER = (ALWAYS, AT_REST, DEADLOCK, SOMETIMES)
