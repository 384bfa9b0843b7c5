"""The Python API: `from detachcheck import check, compare, replay`, returning plain dataclasses.

A release is named (`"pike"`), a variant is named (`"pike+lock-detach"`), or either is a
`Release` object, e.g. a fix proposal built with `Release.with_switches`. Bad input raises
ValueError with a one-line message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detachcheck.checker import compare as _compare
from detachcheck.checker import run as _run
from detachcheck.checker import trace as _trace
from detachcheck.checker.outputs.explain import counterexample_text
from detachcheck.fsm.releases import RELEASES, Release
from detachcheck.fsm.system import MAX_REQUESTS, MAX_VOLUMES
from detachcheck.fsm.variants import VARIANTS
from detachcheck.properties.registry import REGISTRY

PASSING = ("holds", "witnessed", "unreachable")


@dataclass(frozen=True)
class Change:
    """One component's state before and after a step."""

    component: str
    before: str
    after: str


@dataclass(frozen=True)
class Step:
    """One protocol step of a counterexample or a replay."""

    n: int
    step: str
    outcome: str
    keys: dict[str, str]
    actor: str
    changes: tuple[Change, ...]

    def __str__(self) -> str:
        keys = "".join(f" {k}={v}" for k, v in self.keys.items())
        return f"{self.n}. {self.step}:{self.outcome}{keys} ({self.actor})"


@dataclass(frozen=True)
class Verdict:
    """A property's (or an incident's) verdict and, when it fails or is reached, the shortest path."""

    id: str
    kind: str
    meaning: str
    verdict: str
    length: int | None
    counterexample: tuple[Step, ...]
    cycle: tuple[Step, ...] | None = None
    culprits: dict[str, str] = field(default_factory=dict)
    witness: str | None = None
    vacuous: bool = False
    explanation: str = ""
    """The counterexample as text: steps, actors and the states each changed."""

    @property
    def passed(self) -> bool:
        """Holds (not vacuously), or is witnessed."""
        return self.verdict in PASSING and not self.vacuous


@dataclass(frozen=True)
class Figures:
    """How big the search was, and how long it took."""

    states: int
    transitions: int
    depth: int
    complete: bool
    seconds: float


@dataclass(frozen=True)
class Check:
    """A finished check: one verdict per property, the incidents, the figures and the raw report data."""

    release: str
    nova: str
    scenario: dict[str, Any]
    verdicts: dict[str, Verdict]
    incidents: dict[str, Verdict]
    figures: Figures
    report: dict[str, Any] = field(repr=False)

    def __getitem__(self, property_id: str) -> Verdict:
        return self.verdicts[property_id]

    @property
    def violated(self) -> list[str]:
        """Ids of the properties violated or not witnessed."""
        return [v.id for v in self.verdicts.values() if v.verdict in ("violated", "not witnessed")]


@dataclass(frozen=True)
class Flip:
    """A property whose verdict differs between base and variant (both settled)."""

    id: str
    kind: str
    base: str
    variant: str
    vanished: tuple[Step, ...] | None
    appeared: tuple[Step, ...] | None


@dataclass(frozen=True)
class Comparison:
    """What a variant changes: verdict flips, properties a stopped search left unsettled, states."""

    base: str
    variant: str
    flips: dict[str, Flip]
    unsettled: tuple[str, ...]
    complete: bool
    states: dict[str, int]
    data: dict[str, Any] = field(repr=False)

    @property
    def fixed(self) -> set[str]:
        """Properties that fail in the base and pass in the variant."""
        return {f.id for f in self.flips.values() if f.variant in PASSING}

    @property
    def broken(self) -> set[str]:
        """Properties that pass in the base and fail in the variant."""
        return {f.id for f in self.flips.values() if f.base in PASSING}


@dataclass(frozen=True)
class ReplayResult:
    """A replayed trace: each step with its changes, the first step breaking each property, the end."""

    release: str
    volumes: int
    requests: int
    steps: tuple[Step, ...]
    violations: dict[str, int]
    final_state: dict[str, str]
    at_rest: dict[str, bool] | None
    """At-rest verdicts of the final state, or None when a request is still in flight."""


def _steps(entries: list[dict[str, Any]] | None) -> tuple[Step, ...]:
    return tuple(Step(s["n"], s["step"], s["outcome"], dict(s["keys"]), s["actor"],
                      tuple(Change(c["component"], c["from"], c["to"]) for c in s["changes"]))
                 for s in entries or [])


def _verdict(entry: dict[str, Any]) -> Verdict:
    return Verdict(entry["id"], entry.get("kind", "incident"), entry["meaning"], entry["verdict"], entry["length"],
                   _steps(entry["path"]), None if entry.get("cycle") is None else _steps(entry["cycle"]),
                   dict(entry.get("culprits") or {}), entry.get("witness"), bool(entry.get("vacuous")),
                   counterexample_text(entry) if entry["path"] else "")


def _release(release: str | Release) -> tuple[str, Release | None]:
    """(release name for run_check, variant Release or None)."""
    if isinstance(release, Release):
        return release.name, release
    if release in RELEASES:
        return release, None
    if release in VARIANTS:
        return VARIANTS[release].base, VARIANTS[release].release()
    raise ValueError(f"unknown release {release!r} (choose from {', '.join([*RELEASES, *VARIANTS])})")


def _size(name: str, value: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise ValueError(f"{name} must be an integer 1..{high}, got {value!r}")
    return value


def _run_check(release: str | Release, properties: list[str] | None, volumes: int, requests: int,
               operator: bool, detach_only: bool, max_states: int | None, symmetry: bool = True) -> _run.CheckResult:
    name, variant = _release(release)
    for pid in properties or []:
        if pid not in REGISTRY:
            raise ValueError(f"unknown property {pid!r} (see `detachcheck properties`)")
    if max_states is not None and (isinstance(max_states, bool) or not isinstance(max_states, int)
                                   or max_states < 1):
        raise ValueError(f"max_states must be a positive integer, got {max_states!r}")
    return _run.run_check(name, _size("volumes", volumes, MAX_VOLUMES), _size("requests", requests, MAX_REQUESTS),
                          list(properties) if properties else None, max_states, None, operator, variant,
                          not detach_only, symmetry=symmetry)


def _as_check(result: _run.CheckResult) -> Check:
    r = result.report
    s = r["search"]
    return Check(r["release"]["name"], r["release"]["nova"],
                 {k: r["scenario"][k] for k in ("volumes", "requests", "operator", "processes")},
                 {p["id"]: _verdict(p) for p in r["properties"]}, {i["id"]: _verdict(i) for i in r["incidents"]},
                 Figures(s["states"], s["transitions"], s["depth"], s["complete"], result.seconds), r)


def check(release: str | Release = "pike", *, properties: list[str] | None = None, volumes: int = 1,
          requests: int = 2, operator: bool = False, detach_only: bool = False,
          max_states: int | None = None) -> Check:
    """Model-check a release, a variant or a `Release` object: every property, or the ones named
    (with their witnesses)."""
    return _as_check(_run_check(release, properties, volumes, requests, operator, detach_only, max_states))


def compare(base: str | Release, variant: str | Release, *, volumes: int = 1, requests: int = 2,
            operator: bool = False, detach_only: bool = False, max_states: int | None = None) -> Comparison:
    """Check both and report what flips (a verdict `unknown` on either side is never a flip), and the
    states gained and lost: as `detachcheck compare`, unreduced (states are compared by name across
    the two models, and each model's canonical forms under symmetry are its own)."""
    old = _run_check(base, None, volumes, requests, operator, detach_only, max_states, symmetry=False)
    new = _run_check(variant, None, volumes, requests, operator, detach_only, max_states, symmetry=False)
    data = _compare.compare(old, new)
    flips = {row["id"]: Flip(row["id"], row["kind"], row["base"], row["variant"],
                             _steps(row["vanished"]) if row["vanished"] else None,
                             _steps(row["appeared"]) if row["appeared"] else None)
             for row in data["properties"] if row["change"] == "flips"}
    unsettled = tuple(row["id"] for row in data["properties"] if row["change"] == _compare.UNSETTLED)
    complete = all(data["search"]["complete"].values())
    return Comparison(data["base"]["name"], data["variant"]["name"], flips, unsettled, complete,
                      dict(data["states"]), data)


def replay(trace: str | os.PathLike[str], *, release: str | None = None, volumes: int | None = None,
           requests: int | None = None) -> ReplayResult:
    """Replay a trace: a path (`pathlib.Path`) is read, a `str` is the trace's text."""
    if isinstance(trace, os.PathLike):
        try:
            text = _trace.read_trace(Path(trace))
        except _trace.TraceError as err:
            raise ValueError(f"cannot read {trace}: {err.reason}") from None
    else:
        text = trace
    if release is not None:
        _release(release)
    volumes = None if volumes is None else _size("volumes", volumes, MAX_VOLUMES)
    requests = None if requests is None else _size("requests", requests, MAX_REQUESTS)
    result = _trace.replay(text, release, volumes, requests)
    steps = tuple(Step(s["n"], s["step"], s["outcome"], dict(s["keys"]), s["actor"],
                       tuple(Change(c["component"], c["from"], c["to"]) for c in s["changes"]))
                  for s in result.steps)
    return ReplayResult(result.release, result.volumes, result.requests, steps,
                        {v["id"]: v["step"] for v in result.violations}, dict(result.final),
                        {p["id"]: p["holds"] for p in result.final_at_rest} if result.final_at_rest else None)
