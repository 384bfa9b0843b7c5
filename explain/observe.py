"""Records to observations: the protocol steps the logs show, in order, numbered by request.

Each Nova request id that is about the volume is one detach request (`req=1, 2, ...` in the order
of their first line); a record without a request id (`[-]`: libvirt's event thread, the retry loop's
greenthread) and every Cinder line belongs to the request whose time it falls in (Cinder's own
request ids differ from Nova's; from Wallaby Cinder also prints Nova's as its global request id,
which is used when present). Lines about the instance but no request (a restart, a stop) are
instance operations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from detachcheck.explain.catalogue import (
    FIRST_COMPUTE,
    Catalogue,
    Meaning,
    Outcome,
    access_window,
    detach_volume_of,
    interpret,
)
from detachcheck.explain.records import Record
from detachcheck.fsm.step import INSTANCE, REQUEST, VOLUME, Step

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SLACK = 2.0
"""Seconds a line may precede its request's first Nova line (clocks of different hosts, log buffering)."""
MERGE_WINDOW = 120.0
WEAK_WINDOW = 60.0
"""Seconds after a request's last Nova line in which an attachment DELETE may still be its own."""
ATTACHMENT_DELETE = re.compile(r"^DELETE \S+/attachments/[0-9a-f-]{36}$")


@dataclass
class Observation:
    """One observed step: the record(s) that show it, the request, and the step outcomes it may be."""

    records: list[Record]
    meaning: Meaning
    scope: str
    request: int | None
    alternatives: tuple[Outcome, ...]
    arrival: bool = False
    """nova-compute started on the request: it is `at compute` (matched without a step when it is)."""

    @property
    def record(self) -> Record:
        return self.records[0]


@dataclass
class Observed:
    """Everything read about the volume: the observations and the records no entry knows."""

    observations: list[Observation]
    requests: dict[str, int]
    unrecognised: list[Record] = field(default_factory=list)
    context: list[Record] = field(default_factory=list)
    skipped: int = 0


def _scope_of(alternatives: Sequence[Outcome], steps: dict[str, Step]) -> str:
    scopes = {steps[s].scope for s, _ in alternatives if s in steps}
    for scope in (REQUEST, VOLUME, INSTANCE):
        if scope in scopes:
            return scope
    return REQUEST


def _names(record: Record, uuid: str) -> bool:
    return uuid in record.text


def _start_time(record: Record) -> float:
    took = access_window(record) if record.service == "nova-api" else None
    return record.time - took if took is not None else record.time


def observe(records: Sequence[Record], volume: str, instance: str | None, release_steps: tuple[Step, ...],
            catalogue: Catalogue, catalogue_release: str) -> Observed:
    """The observations of `volume` (on `instance`) in time-ordered records."""
    steps = {s.name: s for s in release_steps}
    meanings: list[tuple[Record, Meaning]] = []
    unrecognised: list[Record] = []
    for r in records:
        entries, groups = catalogue.find(r, catalogue_release)
        meaning = interpret(entries, groups, r, release_steps)
        if not meaning.recognised:
            unrecognised.append(r)
        meanings.append((r, meaning))

    nova = [r for r, _ in meanings if r.service in ("nova-compute", "nova-api")]
    ours = {r.request_id for r in nova if r.request_id and (_names(r, volume) or detach_volume_of(r) == volume)}
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    for r in nova:
        if r.request_id in ours:
            first[r.request_id] = min(first.get(r.request_id, _start_time(r)), _start_time(r))
            last[r.request_id] = max(last.get(r.request_id, r.time), r.time)
    numbering = {rid: n for n, rid in enumerate(sorted(first, key=lambda q: (first[q], q)), start=1)}
    starts = sorted((t, numbering[q]) for q, t in first.items())

    cinder_groups: dict[str, list[Record]] = {}
    for r, _ in meanings:
        if r.service in ("cinder-api", "cinder-volume") and r.request_id:
            cinder_groups.setdefault(r.request_id, []).append(r)
    cinder_ours = {q for q, group in cinder_groups.items()
                   if any(_names(r, volume) for r in group) or any(r.global_id in numbering for r in group)}
    # An attachment DELETE names the attachment, never the volume: kept when it falls inside a request.
    windows = [(first[q] - SLACK, last[q] + WEAK_WINDOW) for q in first]
    cinder_ours |= {q for q, group in cinder_groups.items()
                    if any(ATTACHMENT_DELETE.search(r.message) for r in group)
                    and any(lo <= group[0].time <= hi for lo, hi in windows)}

    def by_time(t: float) -> int | None:
        before = [n for start, n in starts if start <= t + SLACK]
        if before:
            return before[-1]
        return starts[0][1] if starts else None

    observations: list[Observation] = []
    context: list[Record] = []
    skipped = 0
    for r, m in meanings:
        if not m.alternatives:
            if m.recognised:
                context.append(r)
            continue
        scope = _scope_of(m.alternatives, steps)
        alts = tuple(a for a in m.alternatives if _scope_of([a], steps) == scope)
        request: int | None = None
        names_other = bool(set(UUID.findall(r.message)) - {volume, instance}) and not _names(r, volume)
        if r.service in ("cinder-api", "cinder-volume"):
            if r.request_id not in cinder_ours:
                skipped += 1
                continue
            if scope == REQUEST:
                request = numbering[r.global_id] if r.global_id in numbering else by_time(r.time)
        elif scope == REQUEST:
            if r.request_id in numbering:
                request = numbering[r.request_id]
            elif r.request_id is None and _names(r, volume):
                request = by_time(r.time)
            else:
                skipped += 1  # another volume's detach on the instance, or a line naming no volume
                continue
        elif names_other and scope == VOLUME:
            skipped += 1
            continue
        if scope == REQUEST and request is None:
            skipped += 1
            continue
        arrival = m.entry is not None and m.entry.id in FIRST_COMPUTE
        observations.append(Observation([r], m, scope, request, alts, arrival))
    return Observed(_merge(observations), numbering, unrecognised, context, skipped)


def _merge(observations: list[Observation]) -> list[Observation]:
    """Adjacent observations of one volume or instance step (two lines of one restart) are one."""
    out: list[Observation] = []
    for o in observations:
        prev = out[-1] if out else None
        if prev is not None and o.scope != REQUEST and prev.scope == o.scope and prev.request == o.request \
                and set(prev.alternatives) & set(o.alternatives) \
                and o.record.time - prev.records[-1].time <= MERGE_WINDOW:
            prev.alternatives = tuple(a for a in prev.alternatives if a in set(o.alternatives))
            prev.records.append(o.record)
            continue
        out.append(o)
    return out
