"""One check: compose, compile, explore, analyse, build the report data."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

from detachcheck.checker.engine.analysis import Graph, Lasso, Stuck, build_graph, find_lasso, find_unrecoverable
from detachcheck.checker.engine.compile import CompiledModel, compile_system
from detachcheck.checker.engine.explore import Exploration, Progress, explore
from detachcheck.checker.likelihood import likelihood, window
from detachcheck.checker.outputs.report import VIOLATED, build_report
from detachcheck.checker.recovery import relied_on, shortest_recovery
from detachcheck.fsm.releases import RELEASES, Release
from detachcheck.fsm.system import compose
from detachcheck.fsm.view import View
from detachcheck.properties import all_properties
from detachcheck.properties.incidents import INCIDENTS
from detachcheck.properties.registry import AT_REST, LIVENESS, RECOVERABLE, REGISTRY

DEFAULT_SIZE = (1, 2)


@dataclass
class CheckResult:
    """A finished check: the model, the search, the analyses, the report data and the search time."""

    model: CompiledModel
    exploration: Exploration
    report: dict[str, Any]
    seconds: float
    lassos: dict[str, Lasso] = field(default_factory=dict)
    stuck: dict[str, tuple[Exploration, Stuck]] = field(default_factory=dict)


def at_rest_failures(s: View) -> int:
    """How many at_rest properties a state breaks (for 'closest to consistent')."""
    return sum(not p.check(s) for p in REGISTRY.values() if p.kind == AT_REST)


def run_check(release: str = "pike", volumes: int = 1, requests: int = 2, property_ids: list[str] | None = None,
              max_states: int | None = None, progress: Progress | None = None, operator: bool = False,
              variant: Release | None = None, processes: bool = True, likely: bool = False,
              likelihood: bool = True, recoveries: bool = True) -> CheckResult:
    """Check `release` (or a `variant` of it) at the given size against the named properties (default: all).

    With `likelihood`, each counterexample is classified (`checker/likelihood.py`) by a second check of
    the likely model, for the properties violated here; `likely` checks that model itself. With
    `recoveries`, each counterexample gets its shortest operator recovery (`checker/recovery.py`).
    """
    props = all_properties()
    if property_ids:  # the chosen properties, and the witnesses that keep them from passing vacuously
        wanted = set(property_ids) | {p.witness for p in props if p.id in property_ids and p.witness}
        props = tuple(p for p in props if p.id in wanted)
    rel = variant or RELEASES[release]
    model = compile_system(compose(rel, volumes, requests, operator, processes, likely))
    start = time.perf_counter()
    queries = tuple(i.as_property() for i in INCIDENTS.values())
    exploration = explore(model, props + queries, max_states=max_states, progress=progress)
    lassos: dict[str, Lasso] = {}
    stuck: dict[str, tuple[Exploration, Stuck]] = {}
    unsettled: set[str] = set()
    recovery: tuple[Exploration, Graph] | None = None
    if exploration.complete:
        live = [p for p in props if p.kind == LIVENESS]
        if live:
            graph = build_graph(exploration)
            for p in live:
                if (lasso := find_lasso(exploration, graph, p)) is not None:
                    lassos[p.id] = lasso
        # Recovery may use every tool an operator has (operator actions, the instance operations they
        # start): analyse the model with them, on the steps it may rely on, from each state reached here.
        ops = exploration if operator and processes else explore(
            compile_system(compose(rel, volumes, requests, True, True, likely)), [], max_states=max_states)
        if ops.complete:
            recovery = (ops, build_graph(ops, keep=relied_on))
            index = {st: i for i, st in enumerate(ops.states)}
            starts = [index[st] for st in exploration.states]
        for p in (p for p in props if p.kind == RECOVERABLE):
            if recovery is None:
                unsettled.add(p.id)  # its own search was cut short: no verdict
            elif (found := find_unrecoverable(*recovery, p, at_rest_failures, starts)) is not None:
                stuck[p.id] = (exploration, replace(found, state=starts.index(found.state)))
    seconds = time.perf_counter() - start
    report = build_report(exploration, props, max_states, queries, lassos, stuck, unsettled)
    if recovery is not None and recoveries:
        add_recoveries(report, exploration, lassos, *recovery)
    violated = [p["id"] for p in report["properties"] if p["verdict"] == VIOLATED]
    if likelihood and not likely and exploration.complete:
        likely_run = run_check(release, volumes, requests, violated or ["no_deadlock"], max_states, None, operator,
                               variant, processes, likely=True, likelihood=False, recoveries=False)
        add_likelihood(report, exploration, lassos, stuck, likely_run.report)
    return CheckResult(model, exploration, report, seconds, lassos, stuck)


def _end_states(report: dict[str, Any], exploration: Exploration,
                lassos: dict[str, Lasso]) -> list[tuple[dict[str, Any], int]]:
    """(report entry, state id) of every counterexample's last state and every reached incident."""
    out = []
    for entry in [*report["properties"], *report["incidents"]]:
        if entry["path"] is None or entry.get("kind") in ("sometimes", RECOVERABLE):
            continue
        sid = lassos[entry["id"]].prefix[-1] if entry["id"] in lassos else exploration.found.get(entry["id"])
        if sid is not None:
            out.append((entry, sid))
    return out


def add_recoveries(report: dict[str, Any], exploration: Exploration, lassos: dict[str, Lasso],
                   ops: Exploration, graph: Graph) -> None:
    """Each counterexample's shortest operator recovery, as commands (`checker/recovery.py`)."""
    index = {st: i for i, st in enumerate(ops.states)}  # the operator model holds every state reached here
    target = REGISTRY["recoverable"]
    for entry, sid in _end_states(report, exploration, lassos):
        found = shortest_recovery(ops, graph.succ, index[exploration.states[sid]], target)
        entry["recovery"] = None if found is None else {"commands": found.commands, "steps": len(found.actions),
                                                        "host_cleanup": found.host_cleanup}


def add_likelihood(report: dict[str, Any], exploration: Exploration, lassos: dict[str, Lasso],
                   stuck: dict[str, tuple[Exploration, Stuck]], likely: dict[str, Any]) -> None:
    """Each counterexample's likelihood: the narrow window its shortest path needs, if any, and the
    shortest path of the likely model (`checker/likelihood.py`)."""
    others = {e["id"]: e for e in [*likely["properties"], *likely["incidents"]]}
    for entry in [*report["properties"], *report["incidents"]]:
        if entry["path"] is None or entry.get("kind") == "sometimes":
            continue
        pid = entry["id"]
        if pid in lassos:
            ex, lasso = exploration, lassos[pid]
            before = lasso.prefix[:-1] + [a for a, _, _ in lasso.cycle]
            actions = [ex.via[i] for i in lasso.prefix[1:]] + [ai for _, ai, _ in lasso.cycle]
        else:
            ex, last = (stuck[pid][0], stuck[pid][1].state) if pid in stuck else (exploration, exploration.found[pid])
            path = ex.path_states(last)
            before, actions = path[:-1], [ex.via[i] for i in path[1:]]
        entry["likelihood"] = likelihood(window(ex, before, actions), others.get(pid))


def report_stem(release: str, volumes: int, requests: int, operator: bool = False, processes: bool = True,
                selected: bool = False, partial: bool = False) -> str:
    """`pike` at the default scenario, `pike-v2-r3` (`-operator`, `-detach-only`, `-selected` for a
    run restricted with --property, `-partial` for a search cut short) otherwise, so a partial run
    never overwrites a full report."""
    stem = release if (volumes, requests) == DEFAULT_SIZE else f"{release}-v{volumes}-r{requests}"
    return stem + ("-operator" if operator else "") + ("" if processes else "-detach-only") + \
        ("-selected" if selected else "") + ("-partial" if partial else "")
