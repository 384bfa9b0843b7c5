"""One check: compose, compile, explore, build the report data."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from checker.compile import CompiledModel, compile_system
from checker.explore import Exploration, Progress, explore
from checker.report import build_report
from fsm.releases import RELEASES, Release
from fsm.system import compose
from properties import all_properties
from properties.incidents import INCIDENTS


@dataclass
class CheckResult:
    """A finished check: the model, the search, the report data and how long the search took."""

    model: CompiledModel
    exploration: Exploration
    report: dict[str, Any]
    seconds: float


def run_check(release: str = "pike", volumes: int = 1, requests: int = 2, property_ids: list[str] | None = None,
              max_states: int | None = None, progress: Progress | None = None, operator: bool = False,
              variant: Release | None = None, processes: bool = True) -> CheckResult:
    """Check `release` (or a `variant` of it) at the given size against the named properties (default: all)."""
    props = all_properties()
    if property_ids:
        props = tuple(p for p in props if p.id in property_ids)
    model = compile_system(compose(variant or RELEASES[release], volumes, requests, operator, processes))
    start = time.perf_counter()
    queries = tuple(i.as_property() for i in INCIDENTS.values())
    exploration = explore(model, props + queries, max_states=max_states, progress=progress)
    seconds = time.perf_counter() - start
    report = build_report(exploration, props, max_states, queries)
    return CheckResult(model, exploration, report, seconds)


def report_stem(release: str, volumes: int, requests: int, operator: bool = False, processes: bool = True) -> str:
    """`pike` at the default scenario, `pike-v2-r3` (`-operator`, `-detach-only`) otherwise."""
    stem = release if (volumes, requests) == DEFAULT_SIZE else f"{release}-v{volumes}-r{requests}"
    return stem + ("-operator" if operator else "") + ("" if processes else "-detach-only")


DEFAULT_SIZE = (1, 2)
