"""One check: compose, compile, explore, analyse, build the report data."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from detachcheck.checker.engine.compiled.compile import CompiledModel, compile_system
from detachcheck.checker.engine.compiled.frontier import tables_for
from detachcheck.checker.engine.compiled.pack import packing_for
from detachcheck.checker.engine.compiled.symmetry import Symmetry, symmetry_for
from detachcheck.checker.engine.graphs import analysis, graph
from detachcheck.checker.engine.graphs.fair_cycles import fair_cycle_possible
from detachcheck.checker.engine.graphs.unfold import RealPaths, full_count
from detachcheck.checker.engine.searches.explore import Exploration, explore
from detachcheck.checker.engine.searches.packed import PackedExploration
from detachcheck.checker.engine.searches.progress import (
    LIVENESS as LIVENESS_PHASE,
)
from detachcheck.checker.engine.searches.progress import (
    PROPERTIES,
    RECOVERABILITY,
    SEARCHING,
    Deadline,
    Progress,
    Status,
)
from detachcheck.checker.engine.searches.search import search
from detachcheck.checker.likelihood import likelihood as likelihood_of
from detachcheck.checker.likelihood import window
from detachcheck.checker.outputs.report import build_report, incident_entry, property_entry
from detachcheck.checker.recovery import (
    Recovery,
    RecoveryModel,
    TooFar,
    operator_model,
    recovery_from,
    recovery_model,
    relied_model,
    relied_search,
    shortest_recovery,
    unrecoverable,
)
from detachcheck.fsm.releases import RELEASES, Release
from detachcheck.fsm.system import compose
from detachcheck.fsm.view import View
from detachcheck.properties import all_properties
from detachcheck.properties.incidents import INCIDENTS
from detachcheck.properties.registry import ALWAYS, AT_REST, DEADLOCK, LIVENESS, RECOVERABLE, REGISTRY

DEFAULT_SIZE = (1, 2)
STATE_KINDS = (ALWAYS, AT_REST, DEADLOCK)
"""Kinds a state of the search violates (incidents too): the first such state found is a shortest path's end."""
ENGINES = ("frontier", "tuple")
"""`frontier`: the packed, vectorised engine (default); `tuple`: the reference explorer and networkx analyses."""


@dataclass
class CheckResult:
    """A finished check: the model, the search, the analyses, the report data and the search time."""

    model: CompiledModel
    exploration: Exploration | PackedExploration
    report: dict[str, Any]
    seconds: float
    lassos: dict[str, analysis.Lasso] = field(default_factory=dict)
    stuck: dict[str, tuple[Any, analysis.Stuck]] = field(default_factory=dict)
    phases: list[str] = field(default_factory=list)
    partial: bool = False
    """The search or an analysis was cut short (--max-states, --max-seconds): some verdicts are unknown."""


def at_rest_failures(s: View) -> int:
    """How many at_rest properties a state breaks (for 'closest to consistent')."""
    return sum(not p.check(s) for p in REGISTRY.values() if p.kind == AT_REST)


def _legacy(progress: Progress | None, phase: str) -> Any:
    if progress is None:
        return None
    return lambda states, transitions, depth: progress(Status(phase, states, transitions, depth))


def run_check(release: str = "pike", volumes: int = 1, requests: int = 2, property_ids: list[str] | None = None,
              max_states: int | None = None, progress: Progress | None = None, operator: bool = False,
              variant: Release | None = None, processes: bool = True, max_seconds: float | None = None,
              engine: str = "frontier", symmetry: bool = True, likely: bool = False, likelihood: bool = True,
              recoveries: bool = True) -> CheckResult:
    """Check `release` (or a `variant` of it) at the given size against the named properties (default: all).

    With `likelihood`, each counterexample is classified (`checker/likelihood.py`) by a search of the
    likely model for the properties violated here (`likely_entries`: it ends once each has its first
    state; a liveness or recoverable one would take a whole check of that model); `likely` checks
    that model itself. With `recoveries`, each counterexample gets its cheapest operator recovery
    (`checker/recovery.py`); `recoverable` searches the operator's relied-on model from the checked
    states until each is known to recover or the first that cannot is known
    (`engine/searches/reaching.py`); each counterexample's recovery is searched from its last state,
    cheapest first (`add_recoveries`).

    With `symmetry` (frontier engine only), the search stores one state per orbit under
    permutations of data volumes and of requests; counterexamples are unfolded into real paths.
    Liveness: permuting requests renames the processes whose fairness is judged, so a cycle of the
    fully reduced graph need not be a fair cycle of the model. The reduced graph is used only to
    rule lassos out (`graphs/fair_cycles.py`: a necessary condition, exact for fixed processes,
    the weakest implied one for renamed requests). A property it cannot rule out is decided on a
    second search reduced by volume permutations only: those fix every fair process ("request q"
    or a step) and every request's obligation, so a cycle of that quotient, repeated until it
    closes, is a real fair cycle and every real one projects onto one; its lasso is unfolded into a
    real one. Recoverability (reachability) is exact on the fully reduced graph.
    """
    props = all_properties()
    if property_ids:  # the chosen properties, and the witnesses that keep them from passing vacuously
        wanted = set(property_ids) | {p.witness for p in props if p.id in property_ids and p.witness}
        props = tuple(p for p in props if p.id in wanted)
    rel = variant or RELEASES[release]
    model = compile_system(compose(rel, volumes, requests, operator, processes, likely))
    start = time.perf_counter()
    deadline = Deadline(max_seconds)
    queries = tuple(i.as_property() for i in INCIDENTS.values())
    frontier = engine == "frontier"
    sym: Symmetry | None = None
    if frontier:
        tables = tables_for(model, packing_for(model))
        sym = symmetry_for(model, tables.packing) if symmetry else None
        exploration: Any = search(model, props + queries, max_states=max_states, deadline=deadline,
                                  progress=progress, symmetry=sym, tables=tables, edges=True)
    else:
        exploration = explore(model, props + queries, max_states=max_states, progress=_legacy(progress, SEARCHING))
    phases = [SEARCHING]
    lassos: dict[str, analysis.Lasso] = {}
    stuck: dict[str, tuple[Any, analysis.Stuck]] = {}
    unsettled: set[str] = set()
    live = [p for p in props if p.kind == LIVENESS]
    recover = [p for p in props if p.kind == RECOVERABLE]
    view: Any = RealPaths(exploration, sym) if sym is not None else exploration

    def status(phase: str, ex: Any) -> None:
        if progress is not None:
            progress(Status(phase, len(ex.states), ex.transitions))

    if exploration.complete and live and not deadline.expired():
        status(LIVENESS_PHASE, exploration)
        live_ex, live_sym = exploration, sym
        if sym is not None and sym.requests and requests > 1:
            # Settle what the fully reduced graph can (see fair_cycles.py); the rest on a
            # second search reduced by volume permutations only (no reduction with one data volume).
            reduced_graph = exploration.graph()
            live = [p for p in live if fair_cycle_possible(exploration, reduced_graph, p)]
            del reduced_graph
            if live:
                live_sym = symmetry_for(model, tables.packing, requests=False)
                live_ex = search(model, [], deadline=deadline, progress=progress, symmetry=live_sym, tables=tables,
                                 phase=LIVENESS_PHASE, edges=True)
        if live_ex.complete:
            phases.append(LIVENESS_PHASE)
            found_graph = None
            for p in live:
                if found_graph is None:
                    found_graph = live_ex.graph() if frontier else analysis.build_graph(live_ex)
                finder = graph.find_lasso if frontier else analysis.find_lasso
                if (lasso := finder(live_ex, found_graph, p)) is not None:
                    lassos[p.id] = view.lasso(live_ex, live_sym, lasso) if sym is not None else lasso
            del found_graph
            if frontier:
                live_ex.drop_graph()
        else:
            unsettled.update(p.id for p in live)
    elif live:
        unsettled.update(p.id for p in live)
    if frontier:
        exploration.drop_graph()  # the analyses of the checked graph are done (coverage keeps what it reads)
    relied: Any = None  # the relied-on model, compiled once for recoverability and the recoveries
    if (recover or recoveries) and frontier and exploration.complete:
        relied = relied_search(exploration, rel, likely, symmetry)
    if recover and exploration.complete and not deadline.expired():
        status(RECOVERABILITY, exploration)
        phases.append(RECOVERABILITY)
    for p in recover:
        if not exploration.complete or deadline.expired():
            unsettled.add(p.id)
            continue
        if frontier:
            settled, found = unrecoverable(exploration, rel, likely, p, at_rest_failures, symmetry, max_states,
                                           deadline, progress, relied)
        else:
            ops = recovery_model(exploration, rel, operator, processes, likely, engine=engine, max_states=max_states)
            settled = ops is not None
            found = analysis.find_unrecoverable(ops.exploration, ops.graph, p, at_rest_failures, ops.starts) \
                if ops is not None else None
        if not settled:
            unsettled.add(p.id)  # its search was cut short: no verdict
        elif found is not None:  # found.state: a state of the checked search; unfolded into a real one
            stuck[p.id] = (view, replace(found, state=view.unfold(found.state)) if sym is not None else found)
    status(PROPERTIES, exploration)
    report = build_report(view, props, max_states, queries, lassos, stuck, unsettled)
    if sym is not None:
        report["search"]["symmetry"] = {
            "reduced_by": "permutations of the data volumes and of the requests",
            "group_order": len(sym.group),
            "full_states": full_count(exploration, sym) if exploration.complete else None}
    partial = not exploration.complete or deadline.expired()
    if partial:
        report["search"]["partial"] = partial_summary(exploration, phases, max_seconds, deadline.expired())
    if recoveries and exploration.complete and not deadline.expired():
        ops_model = relied[0] if relied is not None else relied_model(operator_model(exploration, rel, likely))
        add_recoveries(report, view, lassos, ops_model, lambda starts: recovery_model(
            exploration, rel, operator, processes, likely, engine=engine, symmetry=symmetry, max_states=max_states,
            deadline=deadline, target=REGISTRY["recoverable"], starts=starts, relied=relied))
    if likelihood and not likely and not partial:
        windows = narrow_windows(report, view, lassos, stuck)
        others: dict[str, Any] = {}
        targets = sorted(pid for pid, (text, _) in windows.items() if text is not None)  # properties, incidents
        narrow = [pid for pid in targets if pid in REGISTRY]
        if targets and frontier and all(pid not in REGISTRY or REGISTRY[pid].kind in STATE_KINDS for pid in targets):
            others = likely_entries(rel, volumes, requests, targets, max_states, operator, processes, symmetry,
                                    max_seconds)
        elif targets:  # only those paths are checked again
            likely_run = run_check(release, volumes, requests, narrow or ["no_deadlock"], max_states, None, operator,
                                   variant, processes, max_seconds, engine, symmetry, likely=True,
                                   likelihood=False, recoveries=False)
            others = {e["id"]: e for e in [*likely_run.report["properties"], *likely_run.report["incidents"]]}
        for entry in [*report["properties"], *report["incidents"]]:
            if entry["id"] in windows:
                text, length = windows[entry["id"]]
                entry["likelihood"] = likelihood_of(text, others.get(entry["id"]), length)
    seconds = time.perf_counter() - start
    return CheckResult(model, exploration, report, seconds, lassos, stuck, phases, partial)


def likely_entries(rel: Release, volumes: int, requests: int, ids: list[str], max_states: int | None,
                   operator: bool, processes: bool, symmetry: bool, max_seconds: float | None) -> dict[str, Any]:
    """The report entries of the likely model (`checker/likelihood.py`) for the state properties and
    incidents `ids`: its search ends once each has found its first state, so only the levels up to
    the longest of their shortest likely paths are explored (all of them when one is never found)."""
    model = compile_system(compose(rel, volumes, requests, operator, processes, likely=True))
    tables = tables_for(model, packing_for(model))
    sym = symmetry_for(model, tables.packing) if symmetry else None
    props = [p for p in all_properties() if p.id in ids]
    queries = [i.as_property() for i in INCIDENTS.values() if i.id in ids]
    found = search(model, props + queries, max_states=max_states, deadline=Deadline(max_seconds), symmetry=sym,
                   tables=tables, goals=frozenset(ids))
    view: Any = RealPaths(found, sym) if sym is not None else found
    return {**{p.id: property_entry(p, view) for p in props}, **{q.id: incident_entry(q, view) for q in queries}}


def _end_states(report: dict[str, Any], view: Any, lassos: dict[str, analysis.Lasso]) -> list[tuple[dict, int]]:
    """(report entry, real state id) of every counterexample's last state and every reached incident."""
    out = []
    for entry in [*report["properties"], *report["incidents"]]:
        if entry["path"] is None or entry.get("kind") in ("sometimes", RECOVERABLE):
            continue
        sid = lassos[entry["id"]].prefix[-1] if entry["id"] in lassos else view.found.get(entry["id"])
        if sid is not None:
            out.append((entry, sid))
    return out


RECOVERY_LIMIT = 20_000
"""States a counterexample's own cheapest-recovery search may see; past it, the ends left are
searched together on the relied-on model's explored graph (`recovery_model`)."""


def add_recoveries(report: dict[str, Any], view: Any, lassos: dict[str, analysis.Lasso], relied: CompiledModel,
                   search: Callable[[list[tuple[int, ...]]], RecoveryModel | None]) -> None:
    """Each counterexample's cheapest operator recovery, as commands (`checker/recovery.py`): searched
    from its last state over the relied-on model `relied` (seeing only what is cheaper than the
    answer), or, for the ends whose search passes RECOVERY_LIMIT states (a state that cannot recover
    has its whole closure to see), over the relied-on model `search` explores from them together."""
    target = REGISTRY["recoverable"]
    found: dict[tuple[int, ...], Recovery | None] = {}
    far: list[tuple[int, ...]] = []
    ends = [(entry, view.states[sid]) for entry, sid in _end_states(report, view, lassos)]
    for _, real in ends:
        if real in found or real in far:
            continue
        try:
            found[real] = recovery_from(relied, real, target, RECOVERY_LIMIT)
        except TooFar:
            far.append(real)
    ops = search(sorted(far)) if far else None
    for real in far if ops is not None else ():
        found[real] = shortest_recovery(ops.exploration, ops.graph.succ, ops.id_of(real), target, real, ops.symmetry)
    for entry, real in ends:
        if real in found:
            rec = found[real]
            entry["recovery"] = None if rec is None else {"commands": rec.commands, "steps": len(rec.actions),
                                                          "host_cleanup": rec.host_cleanup}


def narrow_windows(report: dict[str, Any], view: Any, lassos: dict[str, analysis.Lasso],
                   stuck: dict[str, tuple[Any, analysis.Stuck]]) -> dict[str, tuple[str | None, int]]:
    """Each counterexample's narrow window (None: it needs none) and length (`checker/likelihood.py`)."""
    out = {}
    for entry in [*report["properties"], *report["incidents"]]:
        if entry["path"] is None or entry.get("kind") == "sometimes":
            continue
        pid = entry["id"]
        if pid in lassos:
            lasso = lassos[pid]
            before = lasso.prefix[:-1] + [a for a, _, _ in lasso.cycle]
            actions = [view.via[i] for i in lasso.prefix[1:]] + [ai for _, ai, _ in lasso.cycle]
        else:
            path = view.path_states(stuck[pid][1].state if pid in stuck else view.found[pid])
            before, actions = path[:-1], [view.via[i] for i in path[1:]]
        out[pid] = (window(view, before, actions), len(actions))
    return out


def partial_summary(exploration: Any, phases: list[str], max_seconds: float | None,
                    out_of_time: bool) -> dict[str, Any]:
    """What a check cut short covered: the search's states and depth, and the phases that ran."""
    stopped = "max-seconds" if out_of_time else getattr(exploration, "stopped", None) or "max-states"
    depth = getattr(exploration, "depth_completed", max(exploration.depth))
    return {"stopped_by": stopped, "max_seconds": max_seconds if stopped == "max-seconds" else None,
            "states_checked": len(exploration.states), "depth_completed": depth, "phases": phases}


def report_stem(release: str, volumes: int, requests: int, operator: bool = False, processes: bool = True,
                selected: bool = False, partial: bool = False) -> str:
    """`pike` at the default scenario, `pike-v2-r3` (`-operator`, `-detach-only`, `-selected` for a
    run restricted with --property, `-partial` for a search cut short) otherwise, so a partial run
    never overwrites a full report."""
    stem = release if (volumes, requests) == DEFAULT_SIZE else f"{release}-v{volumes}-r{requests}"
    return stem + ("-operator" if operator else "") + ("" if processes else "-detach-only") + \
        ("-selected" if selected else "") + ("-partial" if partial else "")
