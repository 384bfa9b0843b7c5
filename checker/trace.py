"""Traces: a sequence of protocol steps as text, and replaying one on the model.

Format (UTF-8 text, one step a line):
- blank lines and lines starting with `#` are ignored;
- optional headers `release: NAME`, `volumes: N`, `requests: M` (command-line options win), and
  `start: style[1]=attachment_id ...` (this tool's extension: which initial state, when a release has
  several; without it, the first on which the whole trace runs);
- every other line is `STEP[:OUTCOME] [KEY=VALUE ...]`: OUTCOME defaults to `ok`; `req=N` is
  the Nth detach request in the order the requests were started, `vol=N` the Nth data volume
  (`vol=root` the boot volume).
Replay runs on the release with every process and operator recovery enabled, from the first
initial state (volume styles) on which the whole trace runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detachcheck.checker.engine.compiled.compile import CompiledModel, State, compile_system
from detachcheck.fsm.protocol import STEPS
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import MAX_REQUESTS, MAX_VOLUMES, ROOT_ID, compose
from detachcheck.fsm.variants import VARIANTS
from detachcheck.properties import all_properties
from detachcheck.properties.registry import ALWAYS, AT_REST, Property

HEADERS = ("release", "volumes", "requests", "start")
START_STEPS = frozenset(s.name for s in STEPS if s.binds_volume)
"""Steps that start a request (its first step; it picks its volume there)."""
KEYS = ("req", "vol")
MAX_TRACE_BYTES = 1 << 20
"""Traces are small: a larger file is refused (`replay /dev/zero` must not read forever)."""
SHOWN = 60
"""At most this many characters of a trace's own text are echoed in an error."""

ReplayProgress = Callable[[int, int], None]
"""Called as progress(steps replayed, steps in the trace) while a long trace replays."""


def clip(text: str, limit: int = SHOWN) -> str:
    """`text` cut to `limit` characters (with how much was cut), for error messages."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text) - limit} more characters)"


def _number(text: str) -> int | None:
    """A plain decimal number (ASCII digits only: `²` is not 2), or None."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None


class TraceError(ValueError):
    """An invalid trace or argument: the line (0 for none), why, and what was enabled there."""

    def __init__(self, line: int, reason: str, enabled: list[str] | None = None) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason
        self.enabled = enabled or []

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return where + self.reason


@dataclass
class TraceStep:
    """One parsed step line."""

    line: int
    step: str
    outcome: str
    keys: dict[str, str]


@dataclass
class Trace:
    """A parsed trace: headers and steps."""

    headers: dict[str, str] = field(default_factory=dict)
    steps: list[TraceStep] = field(default_factory=list)


def read_trace(path: Path) -> str:
    """A trace file's text (UTF-8, a byte-order mark allowed); TraceError(0, reason) when it cannot
    be read, is not UTF-8 or is larger than MAX_TRACE_BYTES."""
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_TRACE_BYTES + 1)
    except OSError as exc:
        raise TraceError(0, exc.strerror or str(exc)) from None
    if len(data) > MAX_TRACE_BYTES:
        raise TraceError(0, f"larger than {MAX_TRACE_BYTES // 1024} KiB: not a trace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TraceError(0, "not UTF-8 text") from None


def parse(text: str) -> Trace:
    """Parse trace text; TraceError on the first line that does not parse."""
    trace = Trace()
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, sep, value = line.partition(":")
        if sep and head.strip() in HEADERS and " " not in head.strip():
            if trace.steps:
                raise TraceError(number, f"header '{head.strip()}' after the first step")
            if head.strip() in trace.headers:
                raise TraceError(number, f"header '{head.strip()}' given twice")
            trace.headers[head.strip()] = value.strip()
            continue
        words = line.split()
        name, _, outcome = words[0].partition(":")
        if not name or "=" in name or (outcome == "" and words[0].endswith(":")):
            raise TraceError(number, f"cannot parse {clip(line)!r}: expected STEP[:OUTCOME] [KEY=VALUE ...]")
        keys: dict[str, str] = {}
        for word in words[1:]:
            key, eq, val = word.partition("=")
            if not eq or not key or not val:
                raise TraceError(number, f"cannot parse {clip(word)!r}: expected KEY=VALUE")
            if key not in KEYS:
                raise TraceError(number, f"unknown key {clip(key)!r} (keys: {', '.join(KEYS)})")
            if key in keys:
                raise TraceError(number, f"key {key!r} given twice")
            keys[key] = val
        trace.steps.append(TraceStep(number, name, outcome or "ok", keys))
    return trace


def scenario(trace: Trace, release: str | None, volumes: int | None, requests: int | None) -> tuple[str, int, int]:
    """Release and size: options first, then headers, then the defaults (pike, 1, 2)."""
    name = release or trace.headers.get("release", "pike")
    if name not in RELEASES and name not in VARIANTS:
        raise TraceError(0, f"unknown release {clip(name)!r} (choose from {', '.join([*RELEASES, *VARIANTS])})")

    def number(key: str, given: int | None, default: int, high: int) -> int:
        if given is not None:
            return given
        text = trace.headers.get(key, str(default))
        value = _number(text)
        if value is None or not 1 <= value <= high:
            raise TraceError(0, f"header {key}: must be 1..{high}, got {clip(text)!r}")
        return value

    return name, number("volumes", volumes, 1, MAX_VOLUMES), number("requests", requests, 2, MAX_REQUESTS)


@functools.lru_cache(maxsize=32)
def replay_model(release: str, volumes: int, requests: int) -> CompiledModel:
    """The model traces run on: every process and operator recovery enabled (compiled once)."""
    rel = VARIANTS[release].release() if release in VARIANTS else RELEASES[release]
    return compile_system(compose(rel, volumes, requests, operator=True, processes=True))


def _trace_keys(keys: dict[str, str], started: list[str]) -> dict[str, str]:
    """An action's model keys (request ids) as trace keys (start order)."""
    out = dict(keys)
    if "req" in out:
        out["req"] = str(request_number(out["req"], started))
    return out


def request_number(q: str, started: list[str]) -> int:
    """The trace number of model request `q`: the latest request started in its slot (an operator's
    retry starts a new request in the slot of an ended one), or the next number if none yet."""
    if q not in started:
        return len(started) + 1
    return len(started) - started[::-1].index(q)


def enabled_here(model: CompiledModel, state: State, started: list[str]) -> list[tuple[int, State, str]]:
    """(action index, successor, trace label) of every enabled action, labels in trace form."""
    out = []
    for ai, succ in model.enabled(state):
        action = model.actions[ai].action
        keys = _trace_keys(dict(action.keys), started)
        label = f"{action.step.name}:{action.outcome.name}" + "".join(f" {k}={v}" for k, v in sorted(keys.items()))
        out.append((ai, succ, label))
    return out


def _labels(here: list[tuple[int, State, str]]) -> list[str]:
    """Distinct labels, in action order (idle requests look alike)."""
    return list(dict.fromkeys(label for _, _, label in here))


@dataclass
class Replay:
    """What a replay did: the steps with their changes, violations, the final state."""

    release: str
    volumes: int
    requests: int
    steps: list[dict[str, Any]]
    violations: list[dict[str, Any]]
    final: dict[str, str]
    final_at_rest: list[dict[str, Any]]
    model: CompiledModel
    states: list[State]


def _match(model: CompiledModel, state: State, ts: TraceStep, started: list[str]) -> tuple[int, State]:
    declared = {(a.action.step.name, a.action.outcome.name) for a in model.actions}
    names = {n for n, _ in declared}
    if ts.step not in names:
        raise TraceError(ts.line, f"unknown step {clip(ts.step)!r} in {model.system.release.name}",
                         _labels(enabled_here(model, state, started)))
    if (ts.step, ts.outcome) not in declared:
        outcomes = sorted(o for n, o in declared if n == ts.step)
        raise TraceError(ts.line, f"{ts.step} has no outcome {clip(ts.outcome)!r} (outcomes: {', '.join(outcomes)})",
                         _labels(enabled_here(model, state, started)))
    here = enabled_here(model, state, started)
    matches = []
    for ai, succ, _label in here:
        action = model.actions[ai].action
        if (action.step.name, action.outcome.name) != (ts.step, ts.outcome):
            continue
        keys = _trace_keys(dict(action.keys), started)
        if all(keys.get(k) == v for k, v in ts.keys.items()):
            matches.append((ai, succ))
    starts = [(ai, succ) for ai, succ in matches if model.actions[ai].action.step.binds_volume]
    vols = {dict(model.actions[ai].action.keys)["vol"] for ai, _ in starts}
    if starts and len(starts) == len(matches) and len(vols) == 1:
        # a new request about one volume: idle requests are alike, take the lowest
        matches = [min(starts, key=lambda m: int(dict(model.actions[m[0]].action.keys)["req"]))]
    if not matches:
        raise TraceError(ts.line, f"{ts.step}:{ts.outcome}{''.join(f' {k}={clip(v)}' for k, v in ts.keys.items())} "
                                  "is not enabled here", _labels(here))
    if len({succ for _, succ in matches}) > 1:
        labels = sorted({lbl for ai, succ, lbl in here if (ai, succ) in matches})
        raise TraceError(ts.line, f"{ts.step}:{ts.outcome} matches several enabled steps: add req= or vol=",
                         labels)
    return matches[0]


def _vol_key(model: CompiledModel, ts: TraceStep) -> None:
    vol = ts.keys.get("vol")
    if vol is not None and vol != ROOT_ID and vol not in model.system.data_volume_ids:
        raise TraceError(ts.line, f"vol={clip(vol)}: the scenario has data volumes "
                                  f"{', '.join(model.system.data_volume_ids)} (and root)")
    req = ts.keys.get("req")
    number = None if req is None else _number(req)
    if req is not None and (number is None or number < 1):
        raise TraceError(ts.line, f"req={clip(req)}: requests are numbered 1, 2, ... in the order they start")


def _initials(model: CompiledModel, trace: Trace) -> list[State]:
    """The initial states the trace may start from (all, or the one its `start:` header names)."""
    text = trace.headers.get("start", "").strip()
    if not text:
        return list(model.initials)
    slots = model.system.slots
    wanted: dict[int, str] = {}
    for pair in text.split():
        label, eq, value = pair.partition("=")
        index = next((i for i, slot in enumerate(slots) if slot.label == label), None)
        if not eq or index is None or value not in slots[index].values:
            raise TraceError(0, f"header start: cannot use {clip(pair)!r} (e.g. style[1]=attachment_id)")
        wanted[index] = value
    found = [init for init in model.initials
             if all(slots[i].values[init[i]] == v for i, v in wanted.items())]
    if not found:
        raise TraceError(0, f"header start: {clip(text)!r} is not an initial state of this release")
    return found


def _run_from(model: CompiledModel, init: State, trace: Trace,
              progress: ReplayProgress | None = None) -> tuple[list[State], list[int]]:
    """States and action indices of the trace from one initial state (TraceError if it stops)."""
    states, actions = [init], []
    started: list[str] = []
    for n, ts in enumerate(trace.steps):
        if progress is not None and n % 256 == 0:
            progress(n, len(trace.steps))
        _vol_key(model, ts)
        ai, succ = _match(model, states[-1], ts, started)
        action = model.actions[ai].action
        if action.step.binds_volume:
            q = dict(action.keys)["req"]
            started.append(q)
        states.append(succ)
        actions.append(ai)
    return states, actions


def replay(text: str, release: str | None = None, volumes: int | None = None, requests: int | None = None,
           properties: tuple[Property, ...] | None = None, progress: ReplayProgress | None = None) -> Replay:
    """Run a trace; TraceError (with the enabled steps) when a line is invalid or not enabled."""
    trace = parse(text)
    name, vols, reqs = scenario(trace, release, volumes, requests)
    if not trace.steps:
        raise TraceError(0, "the trace has no steps")
    model = replay_model(name, vols, reqs)
    best: TraceError | None = None
    for init in _initials(model, trace):
        try:
            states, actions = _run_from(model, init, trace, progress)
            break
        except TraceError as err:
            if best is None or err.line > best.line:
                best = err
    else:
        assert best is not None
        raise best
    return _summarise(model, name, vols, reqs, trace, states, actions, properties or all_properties())


def _summarise(model: CompiledModel, name: str, vols: int, reqs: int, trace: Trace, states: list[State],
               actions: list[int], props: tuple[Property, ...]) -> Replay:
    slots = model.system.slots
    view = model.layout.view
    steps = []
    for n, (ts, ai) in enumerate(zip(trace.steps, actions, strict=True), start=1):
        old, new = states[n - 1], states[n]
        action = model.actions[ai].action
        steps.append({"n": n, "line": ts.line, "step": ts.step, "outcome": ts.outcome, "keys": ts.keys,
                      "actor": action.step.actor,
                      "changes": [{"component": slots[i].label, "from": slots[i].values[a], "to": slots[i].values[b]}
                                  for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]})
    violations = []
    for prop in props:
        if prop.kind not in (ALWAYS, AT_REST):
            continue
        for n, st in enumerate(states):
            s = view(st)
            if (prop.kind == ALWAYS or s.at_rest) and not prop.check(s):
                violations.append({"id": prop.id, "kind": prop.kind, "step": n,
                                   "line": trace.steps[n - 1].line if n else 0})
                break
    final = view(states[-1])
    final_at_rest = [{"id": p.id, "holds": bool(p.check(final))} for p in props if p.kind == AT_REST] \
        if final.at_rest else []
    final_dict = {slot.label: slot.values[v] for slot, v in zip(slots, states[-1], strict=True)}
    return Replay(name, vols, reqs, steps, violations, final_dict, final_at_rest, model, states)


def to_trace(report: dict[str, Any], entry: dict[str, Any]) -> str:
    """A counterexample (path, then its cycle once) as a trace file that `replay` reproduces."""
    rel = report["release"]["name"]
    sc = report["scenario"]
    lines = [f"# detachcheck trace: {entry['id']} ({entry.get('kind', 'incident')}) {entry['verdict']}",
             f"# {entry['meaning']}", f"release: {rel}", f"volumes: {sc['volumes']}", f"requests: {sc['requests']}"]
    if entry.get("start"):
        lines.append("start: " + " ".join(f"{k}={v}" for k, v in entry["start"].items()))
    started: list[str] = []
    steps = list(entry["path"] or [])
    cycle = list(entry.get("cycle") or [])
    for s in steps + cycle:
        if s is (cycle[0] if cycle else None):
            lines.append("# the cycle (it repeats forever):")
        keys = dict(s["keys"])
        if "req" in keys:
            if s["step"] in START_STEPS:
                started.append(keys["req"])
            keys["req"] = str(request_number(keys["req"], started))
        line = s["step"] + ("" if s["outcome"] == "ok" else f":{s['outcome']}")
        line += "".join(f" {k}={v}" for k, v in sorted(keys.items()))
        lines.append(line)
    return "\n".join(lines) + "\n"

