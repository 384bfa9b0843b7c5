"""What the end states mean: their components, the properties they break, the known bug the path is,
and the operator commands that repair them (`checker/recovery.py`)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from detachcheck.checker.engine.compiled.compile import CompiledModel, State
from detachcheck.checker.recovery import TooFar, cheapest_path, chores, commands, relied_model
from detachcheck.fsm import request as req
from detachcheck.fsm.bdm import PRESENT
from detachcheck.fsm.releases import Release
from detachcheck.fsm.step import INSTANCE, REQUEST, VOLUME
from detachcheck.fsm.view import View
from detachcheck.properties import all_properties
from detachcheck.properties.incidents import CATALOGUE, Incident
from detachcheck.properties.registry import ALWAYS, AT_REST, REGISTRY

DATA = "1"
MAX_SHOWN = 20
MAX_RISK_STATES = 100_000
MAX_RECOVERY_STATES = 200_000
REQUEST_NOTES = {
    req.AT_COMPUTE: "queued for nova-compute, or nova-compute has not started on it",
    req.UNPLUG_REQUESTED: "waiting for the guest to let go of the disk",
    req.PERSISTENT_DETACHED: "waiting to detach the disk from the live domain",
    req.LOST: "the RPC cast never reached nova-compute",
    req.CRASHED: "nova-compute died while running it; nothing resumes it",
}

Candidate = tuple[State, tuple[int, ...], int]


@dataclass
class Verdict:
    """The judged end states."""

    states: list[dict[str, str]]
    count: int
    certain: dict[str, str]
    uncertain: dict[str, list[str]]
    violated: list[str]
    at_risk: list[str]
    incidents: list[dict[str, Any]]
    recovery: list[str]
    host_cleanup: list[str] = field(default_factory=list)
    in_flight: list[str] = field(default_factory=list)
    recovery_note: str = ""


def components(view: View, slots: tuple[int, ...], started: int, requests: int) -> dict[str, str]:
    """An end state as the components an operator can look at, and each observed request's state."""
    bdm = view.bdm(DATA)
    out = {
        "volume": view.volume(DATA),
        "attachment": view.attachment(DATA),
        "bdm": f"{bdm} ({view.get('style', DATA)})" if bdm == PRESENT else bdm,
        "guest disk": view.disk(DATA),
        "host connection": view.connection(DATA),
        "LUN mapping": view.export(DATA),
        "instance": view.instance(),
        "nova-compute": view.get("service"),
    }
    where = {n: q for q, n in zip(view.requests, slots, strict=True) if n}
    for n in range(1, requests + 1):
        if n in where:
            out[f"request {n}"] = view.request(where[n])
        else:
            out[f"request {n}"] = "ended" if n <= started else "not sent"
    return out


def _reachable(model: CompiledModel, starts: Sequence[State]) -> list[State]:
    """States reachable from the end states with no operator action and no new request: the requests in
    flight run on (any outcome), the guest acts, nova-compute may crash and restart."""
    def keep(ai: int) -> bool:
        a = model.actions[ai].action
        step = a.step
        if step.actor == "operator" or step.binds_volume:
            return False
        if step.scope == REQUEST:
            return True
        if step.scope == VOLUME:
            return dict(a.keys).get("vol") == DATA
        return step.scope == INSTANCE and step.name in ("compute.crash", "compute.restart")
    seen = set(starts)
    todo = deque(starts)
    while todo and len(seen) < MAX_RISK_STATES:
        here = todo.popleft()
        for ai, nxt in model.enabled(here):
            if nxt not in seen and keep(ai):
                seen.add(nxt)
                todo.append(nxt)
    return list(seen)


def _broken(view: View) -> set[str]:
    out = set()
    for p in all_properties():
        if p.kind == ALWAYS and not p.check(view):
            out.add(p.id)
        elif p.kind == AT_REST and view.at_rest and not p.check(view):
            out.add(p.id)
    return out


def _incidents(views: list[View], labels: set[str], release: Release) -> list[dict[str, Any]]:
    out = []
    for inc in CATALOGUE.values():
        if inc.markers and not labels & set(inc.markers):
            continue
        if not any(inc.check(v) for v in views):
            continue
        out.append(_incident_entry(inc, release))
    return out


def _incident_entry(inc: Incident, release: Release) -> dict[str, Any]:
    has = inc.in_release(release.switches)
    if inc.fixed_in:
        text = f"{inc.title}, fixed in {inc.fixed_in}; {'your release has it' if has else 'your release has the fix'}"
    else:
        text = f"{inc.title}; no release fixes it"
    return {"id": inc.id, "title": inc.title, "fixed_in": inc.fixed_in or None, "affects": inc.affects,
            "release_has_it": has, "source": inc.source, "text": text}


def _recovery(model: CompiledModel, cands: list[Candidate], server: str, volume: str,
              describe: Callable[[int], str]) -> tuple[list[str], list[str], str]:
    target = REGISTRY["recoverable"]
    model = relied_model(model)
    groups: dict[tuple[str, ...], list[int]] = {}
    cleanup: list[str] = []
    failed = 0
    for i, (state, _, _) in enumerate(cands):
        try:
            found = cheapest_path(model, state, target.check, MAX_RECOVERY_STATES)
        except TooFar:
            found = None
        if found is None:
            failed += 1
            continue
        states, acts = found
        cmds = tuple(commands(model, acts, server=server, volumes={DATA: volume}))
        groups.setdefault(cmds, []).append(i)
        for line in chores(model.layout.view(states[-1])):
            line = line.replace(f"volume {DATA}:", f"volume {volume}:", 1)
            if line not in cleanup:
                cleanup.append(line)
    note = ""
    if failed:
        note = (f"none found from {failed} of {len(cands)} end states: no sequence of operator commands, instance "
                "operations and Nova's own steps reaches a state where every at_rest property holds without the "
                "guest's cooperation")
    if len(groups) == 1:
        cmds = next(iter(groups))
        return list(cmds) or ["nothing to do: every at_rest property already holds"], cleanup, note
    out: list[str] = []
    for cmds, members in groups.items():
        cases = "; or ".join(dict.fromkeys(describe(i) for i in members))
        out.append(f"# if {cases}:")
        out += list(cmds) or ["nothing to do: every at_rest property already holds"]
    return out, cleanup, note


def judge(model: CompiledModel, cands: list[Candidate], path_labels: set[str], release: Release, requests: int,
          server: str | None, volume: str) -> Verdict:
    """Components, properties, incidents and recovery of the candidate end states."""
    view = model.layout.view
    views = [view(s) for s, _, _ in cands]
    shown = [components(v, slots, started, requests) for v, (_, slots, started) in zip(views, cands, strict=True)]
    unique: list[dict[str, str]] = []
    for c in shown:
        if c not in unique:
            unique.append(c)
    keys = list(unique[0]) if unique else []
    certain = {k: unique[0][k] for k in keys if all(u[k] == unique[0][k] for u in unique)}
    uncertain = {k: list(dict.fromkeys(u[k] for u in unique)) for k in keys if k not in certain}
    broken = [_broken(v) for v in views]
    order = [p.id for p in all_properties()]
    violated = [p for p in order if broken and all(p in b for b in broken)]
    some = {p for b in broken for p in b}
    later = set()
    for s in _reachable(model, [s for s, _, _ in cands]):
        later |= _broken(view(s))
    at_risk = [p for p in order if p not in violated and (p in some or p in later)]
    incidents = _incidents(views, path_labels, release)
    def describe(i: int) -> str:
        c = shown[i]
        short = {"volume": c["volume"].split("/")[0], "bdm": c["bdm"].split(" ")[0], "guest disk": c["guest disk"],
                 "host connection": c["host connection"], "LUN mapping": c["LUN mapping"]}
        return ", ".join(f"{k} {v}" for k, v in short.items() if k in uncertain) or "any of them"

    recovery, cleanup, note = _recovery(model, cands, server or "SERVER", volume, describe)
    in_flight = []
    for c in unique:
        for k, v in c.items():
            if k.startswith("request ") and (v in (req.LOST, req.CRASHED) or (v not in ("ended", "not sent")
                                                                                and req.in_flight(v))):
                text = f"{k}: {v}" + (f" ({REQUEST_NOTES[v]})" if v in REQUEST_NOTES else "")
                if text not in in_flight:
                    in_flight.append(text)
    return Verdict(unique[:MAX_SHOWN], len(unique), certain, uncertain, violated, at_risk, incidents, recovery,
                   cleanup, in_flight, note)
