"""Report data: what a check found, as plain data (no timings, dates or paths).

Rendering lives apart (`render.py`, `html.py`), so the terminal, Markdown, HTML
and JSON outputs all show the same data, and two runs of the same check give byte-identical
reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from detachcheck.checker.engine.searches.explore import Exploration
from detachcheck.checker.outputs.coverage import coverage_report
from detachcheck.fsm.view import Layout, View
from detachcheck.properties.registry import ALWAYS, AT_REST, LIVENESS, RECOVERABLE, REGISTRY, SOMETIMES, Property

if TYPE_CHECKING:
    from detachcheck.checker.engine.graphs.analysis import Lasso, Stuck

HOLDS = "holds"
VIOLATED = "violated"
WITNESSED = "witnessed"
NOT_WITNESSED = "not witnessed"
UNKNOWN = "unknown"

FAILING = (VIOLATED, NOT_WITNESSED)

OWNER = {"volume": "cinder", "attachment": "cinder", "disk": "libvirt/guest", "connection": "os-brick",
         "export": "storage array"}
"""Which actor holds each component outside Nova (for sequence diagrams); Nova's own (BDM,
instance, service, lock) are changed by the Nova process that runs the step."""

ACTORS = ("operator", "nova-api", "nova-compute", "libvirt/guest", "os-brick", "cinder", "storage array")


def caller(step_name: str) -> str:
    """The process that runs a step: nova-api, nova-compute, the guest or the operator."""
    return {"api": "nova-api", "rpc": "nova-api", "compute": "nova-compute", "guest": "libvirt/guest",
            "operator": "operator"}[step_name.split(".", 1)[0]]


class TracingView(View):
    """A view that records which state parts a predicate reads."""

    def __init__(self, layout: Layout, values: tuple[int, ...]) -> None:
        super().__init__(layout, values)
        self.read: list[tuple[str, str | None]] = []

    def get(self, component: str, index: str | None = None) -> str:
        self.read.append((component, index))
        return super().get(component, index)


def culprits(exploration: Exploration, state_id: int, prop: Property, request: str | None = None) -> dict[str, str]:
    """The state parts that break a property: what its predicate read about the last thing it
    looked at (the volume or request that failed it), by slot label."""
    model = exploration.model
    view = TracingView(model.layout, exploration.states[state_id])
    if request is None:
        prop.check(view)
    else:
        prop.check(view, request)
    if not view.read:
        return {}
    last = next((idx for comp, idx in reversed(view.read) if idx is not None), None)
    slots = model.system.slots
    where = model.layout.where
    out: dict[str, str] = {}
    for comp, idx in view.read:
        if idx == last or idx is None:
            slot = slots[where[(comp, idx)]]
            out[slot.label] = slot.values[exploration.states[state_id][where[(comp, idx)]]]
    return out


def verdict(prop: Property, exploration: Exploration, violated: bool) -> str:
    """A property's verdict; `unknown` when an incomplete search found nothing either way."""
    if prop.kind == SOMETIMES:
        if prop.id in exploration.found:
            return WITNESSED
        return NOT_WITNESSED if exploration.complete else UNKNOWN
    if violated:
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


def step_entry(exploration: Exploration, n: int, before: int, after: int, action_index: int) -> dict[str, Any]:
    """One numbered protocol step with the component states it changed."""
    model = exploration.model
    slots = model.system.slots
    action = model.actions[action_index].action
    old, new = exploration.states[before], exploration.states[after]
    changes = [{"component": slots[i].label, "from": slots[i].values[a], "to": slots[i].values[b]}
               for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    owners = sorted({OWNER[slots[i].component] for i, (a, b) in enumerate(zip(old, new, strict=True))
                     if a != b and slots[i].component in OWNER}, key=ACTORS.index)
    if action.step.name.startswith("rpc.") and action.outcome.name == "ok":
        owners = ["nova-compute"]  # the cast reaches nova-compute
    return {
        "n": n,
        "step": action.step.name,
        "outcome": action.outcome.name,
        "keys": dict(action.keys),
        "actor": action.step.actor,
        "caller": caller(action.step.name),
        "targets": owners,
        "fault": action.outcome.fault,
        "raises": action.outcome.raises,
        "handling": action.outcome.handling,
        "note": action.outcome.note,
        "cite": action.step.cite,
        "changes": changes,
    }


def path_steps(exploration: Exploration, state_id: int) -> list[dict[str, Any]]:
    """The numbered protocol steps to `state_id`, each with the component states it changed."""
    ids = exploration.path_states(state_id)
    return [step_entry(exploration, n, a, b, exploration.via[b])
            for n, (a, b) in enumerate(zip(ids, ids[1:], strict=False), start=1)]


def _witness(prop: Property, exploration: Exploration) -> dict[str, Any] | None:
    if prop.witness is None or prop.witness not in exploration.found:
        return None
    sid = exploration.found[prop.witness]
    return {"id": prop.witness, "length": exploration.depth[sid], "path": path_steps(exploration, sid)}


def property_entry(prop: Property, exploration: Exploration, lasso: Lasso | None = None,
                   stuck: tuple[Exploration, Stuck] | None = None, unsettled: bool = False) -> dict[str, Any]:
    """One property's row: verdict, the shortest path (or lasso, or stuck state) and its witness."""
    entry: dict[str, Any] = {"id": prop.id, "kind": prop.kind, "meaning": prop.meaning, "verdict": "",
                             "witness": prop.witness, "length": None, "start": None, "path": None,
                             "cycle": None, "final_state": None, "culprits": None, "stuck": None,
                             "witness_path": None}
    sid = exploration.found.get(prop.id)
    if prop.kind == LIVENESS:
        sid = lasso.prefix[-1] if lasso else None
    ex = exploration
    if prop.kind == RECOVERABLE and stuck is not None:
        ex, found = stuck
        sid = found.state
        slots = ex.model.system.slots
        closest = {slot.label: slot.values[v] for slot, v in zip(slots, found.best, strict=True)}
        entry["stuck"] = {"tried": found.tried, "reachable_states": found.closure, "closest_state": closest,
                          "still_failing": [p.id for p in REGISTRY.values() if p.kind == AT_REST
                                            and not p.check(ex.model.layout.view(found.best))]}
    entry["verdict"] = UNKNOWN if unsettled else verdict(prop, exploration, sid is not None)
    if sid is not None:
        entry["start"] = start_dict(ex, ex.path_states(sid)[0])
        entry["path"] = path_steps(ex, sid)
        entry["final_state"] = state_dict(ex, sid)
        entry["length"] = ex.depth[sid]
        if prop.kind in (ALWAYS, AT_REST):
            entry["culprits"] = culprits(ex, sid, prop)
        if lasso is not None:
            entry["culprits"] = culprits(ex, sid, prop, lasso.request)
            n0 = len(entry["path"])
            entry["cycle"] = [step_entry(ex, n0 + k, a, b, ai) for k, (a, ai, b) in enumerate(lasso.cycle, start=1)]
            entry["length"] += len(lasso.cycle)
    if entry["verdict"] != WITNESSED:
        entry["witness_path"] = _witness(prop, exploration)
    # A pass is vacuous when the situation the property speaks of is never reached.
    entry["vacuous"] = (entry["verdict"] == HOLDS and prop.witness is not None and exploration.complete
                        and prop.witness not in exploration.found)
    return entry


def incident_entry(query: Property, exploration: Exploration) -> dict[str, Any]:
    """An incident: reached or not, and the shortest path to it."""
    entry = property_entry(query, exploration)
    entry["verdict"] = {WITNESSED: "reached", NOT_WITNESSED: "unreachable"}.get(entry["verdict"], UNKNOWN)
    for key in ("kind", "witness", "cycle", "culprits", "stuck", "witness_path", "vacuous"):
        del entry[key]
    return entry


def build_report(exploration: Exploration, properties: Sequence[Property], max_states: int | None,
                 incidents: Sequence[Property] = (), lassos: dict[str, Lasso] | None = None,
                 stuck: dict[str, tuple[Exploration, Stuck]] | None = None,
                 unsettled: set[str] | None = None) -> dict[str, Any]:
    """The whole report as plain, deterministic data."""
    system = exploration.model.system
    release = system.release
    lassos, stuck = lassos or {}, stuck or {}
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
        "properties": [property_entry(p, exploration, lassos.get(p.id), stuck.get(p.id), p.id in (unsettled or ()))
                       for p in properties],
        "incidents": [incident_entry(q, exploration) for q in incidents],
        "coverage": coverage_report(exploration),
    }


def failing(report: dict[str, Any]) -> list[str]:
    """Ids of properties that are violated or not witnessed."""
    return [p["id"] for p in report["properties"] if p["verdict"] in FAILING]
