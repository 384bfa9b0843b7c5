"""One check: compose, compile, explore, analyse, build the report data."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from detachcheck.checker.engine.analysis import Lasso, Stuck, build_graph, find_lasso, find_unrecoverable
from detachcheck.checker.engine.compile import CompiledModel, compile_system
from detachcheck.checker.engine.explore import Exploration, Progress, explore
from detachcheck.checker.outputs.report import build_report
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
              variant: Release | None = None, processes: bool = True) -> CheckResult:
    """Check `release` (or a `variant` of it) at the given size against the named properties (default: all)."""
    props = all_properties()
    if property_ids:  # the chosen properties, and the witnesses that keep them from passing vacuously
        wanted = set(property_ids) | {p.witness for p in props if p.id in property_ids and p.witness}
        props = tuple(p for p in props if p.id in wanted)
    rel = variant or RELEASES[release]
    model = compile_system(compose(rel, volumes, requests, operator, processes))
    start = time.perf_counter()
    queries = tuple(i.as_property() for i in INCIDENTS.values())
    exploration = explore(model, props + queries, max_states=max_states, progress=progress)
    lassos: dict[str, Lasso] = {}
    stuck: dict[str, tuple[Exploration, Stuck]] = {}
    unsettled: set[str] = set()
    if exploration.complete:
        live = [p for p in props if p.kind == LIVENESS]
        if live:
            graph = build_graph(exploration)
            for p in live:
                if (lasso := find_lasso(exploration, graph, p)) is not None:
                    lassos[p.id] = lasso
        for p in (p for p in props if p.kind == RECOVERABLE):
            # Recovery may use operator actions: analyse the model with them.
            recovery = exploration if operator else explore(
                compile_system(compose(rel, volumes, requests, True, processes)), [], max_states=max_states)
            if not recovery.complete:
                unsettled.add(p.id)  # its own search was cut short: no verdict
            elif (found := find_unrecoverable(recovery, build_graph(recovery), p, at_rest_failures)) is not None:
                stuck[p.id] = (recovery, found)
    seconds = time.perf_counter() - start
    report = build_report(exploration, props, max_states, queries, lassos, stuck, unsettled)
    return CheckResult(model, exploration, report, seconds, lassos, stuck)


def report_stem(release: str, volumes: int, requests: int, operator: bool = False, processes: bool = True,
                selected: bool = False, partial: bool = False) -> str:
    """`pike` at the default scenario, `pike-v2-r3` (`-operator`, `-detach-only`, `-selected` for a
    run restricted with --property, `-partial` for a search cut short) otherwise, so a partial run
    never overwrites a full report."""
    stem = release if (volumes, requests) == DEFAULT_SIZE else f"{release}-v{volumes}-r{requests}"
    return stem + ("-operator" if operator else "") + ("" if processes else "-detach-only") + \
        ("-selected" if selected else "") + ("-partial" if partial else "")
