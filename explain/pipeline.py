"""`explain` from files to an explanation: find the volume, read its records, infer the release,
observe, validate against the model, and judge the end states.

The logs are read in at most three cheap passes (`filter.py`): one to find which volumes were
detached (only without --volume), one for the lines naming the volume or its instance, one for the
other lines of the requests found (their request ids). Only the records kept are parsed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from detachcheck.checker.engine.compiled.compile import CompiledModel
from detachcheck.checker.trace import replay_model
from detachcheck.explain.catalogue import Catalogue, arrival_logged, catalogue_release, load, loggable
from detachcheck.explain.filter import ScanStats, scan
from detachcheck.explain.observe import UUID, Observed, observe
from detachcheck.explain.records import Record, parse, parse_time
from detachcheck.explain.release import Inference, infer
from detachcheck.explain.sources import InputError, Source, check_text, find_sources
from detachcheck.explain.validate import Search, Validator
from detachcheck.fsm.releases import RELEASES, Release
from detachcheck.fsm.system import MAX_REQUESTS
from detachcheck.fsm.variants import VARIANTS

_UUID_TEXT = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_DETACHED = re.compile(
    r"(?:Detaching volume|Detach volume|Failed to detach volume|Attempting to driver detach volume|"
    r"Ignoring DiskNotFound exception while detaching volume|Guest refused to detach volume) (?P<vol>" + _UUID_TEXT
    + r")(?: from instance (?P<inst>" + _UUID_TEXT + r"))?")
_URL = re.compile(r"DELETE /\S*?servers/(?P<inst>" + _UUID_TEXT + r")/os-volume_attachments/(?P<vol>" + _UUID_TEXT
                  + r")")
DISCOVERY = (b"etach", b"os-volume_attachments")
RESTART = (b"Loading compute driver", b"node (version ")
ATTACHMENTS = (b"/attachments/",)


@dataclass
class Detached:
    """A volume with detach activity in the logs."""

    volume: str
    instances: set[str] = field(default_factory=set)
    first: tuple[float, str] = (float("inf"), "")
    last: tuple[float, str] = (float("-inf"), "")
    requests: set[str] = field(default_factory=set)

    def summary(self) -> str:
        inst = ", ".join(sorted(self.instances)) or "instance unknown"
        n = len(self.requests)
        return f"{self.volume} (instance {inst}, {self.first[1]} to {self.last[1]}, {n} request{'s' * (n != 1)})"


@dataclass
class Reading:
    """Everything read: the sources, the kept records in time order, per-service DEBUG, line counts."""

    sources: list[Source]
    records: list[Record]
    services: dict[str, bool]
    lines: int
    volume: str
    instance: str | None


@dataclass
class Explanation:
    """The whole result, before rendering."""

    reading: Reading
    release: Release
    inference: Inference
    observed: Observed
    model: CompiledModel
    search: Search
    requests: int


def _records(sources: Sequence[Source], needles_for: dict[int, list[bytes]], stats: dict[int, ScanStats],
             seen: set[tuple[int, int]]) -> list[Record]:
    out = []
    for i, source in enumerate(sources):
        needles = needles_for.get(i, [])
        if not needles:
            continue
        st = stats.setdefault(i, ScanStats())
        fresh = ScanStats()
        for line, raw in scan(source, needles, fresh):
            if (i, line) in seen:
                continue
            seen.add((i, line))
            record = parse(raw.decode("utf-8", errors="replace"), source.name, line, source.service, order=i)
            if record is not None:
                out.append(record)
        st.lines = max(st.lines, fresh.lines)
        st.debug = st.debug or fresh.debug
        st.bytes = max(st.bytes, fresh.bytes)
    return out


def _discover(records: Sequence[Record]) -> dict[str, Detached]:
    found: dict[str, Detached] = {}
    for r in records:
        vol = inst = None
        m = _DETACHED.search(r.message)
        if m:
            vol, inst = m.group("vol"), m.group("inst") or r.instance
        else:
            u = _URL.search(r.message)
            if u:
                vol, inst = u.group("vol"), u.group("inst")
        if vol is None:
            continue
        d = found.setdefault(vol, Detached(vol))
        if inst:
            d.instances.add(inst)
        d.first = min(d.first, (r.time, r.stamp))
        d.last = max(d.last, (r.time, r.stamp))
        if r.request_id and r.service in ("nova-compute", "nova-api"):
            d.requests.add(r.request_id)
    return found


def _check_uuid(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    text = value.strip().lower()
    if not re.fullmatch(_UUID_TEXT, text):
        raise InputError(f"{option} {value!r} is not a UUID (like e0bd76b1-5bb8-45dc-9691-39933b122db7)")
    return text


def read(paths: Sequence[Path], volume: str | None = None, instance: str | None = None) -> Reading:
    """Find the volume to explain and read every record about it (InputError: nothing to explain)."""
    volume = _check_uuid(volume, "--volume")
    instance = _check_uuid(instance, "--instance")
    sources = [s for s in find_sources(paths) if check_text(s)]
    if not sources:
        raise InputError("the logs are empty: give Nova or Cinder log files with lines in them")
    stats: dict[int, ScanStats] = {}
    seen: set[tuple[int, int]] = set()
    records: list[Record] = []
    if volume is None:
        first = [instance.encode()] if instance else list(DISCOVERY)
        found = _records(sources, {i: first for i in range(len(sources))}, stats, seen)
        records += found
        detached = _discover(found)
        if instance:
            detached = {v: d for v, d in detached.items() if instance in d.instances or not d.instances}
        if not detached:
            where = f"on instance {instance} " if instance else ""
            if instance and not found:
                raise InputError(f"instance {instance} appears nowhere in the logs ({_read_summary(stats)})")
            raise InputError(f"no volume detach {where}in the logs ({_read_summary(stats)}): give the logs of "
                             "the detach, or name the volume with --volume")
        if len(detached) > 1:
            listing = "; ".join(d.summary() for d in sorted(detached.values(), key=lambda d: d.first))
            raise InputError(f"{len(detached)} volumes were detached: {listing}. Choose one with --volume")
        volume = next(iter(detached))
    assert volume is not None
    first_pass = [volume.encode(), *((instance.encode(),) if instance else ())]
    records += _records(sources, {i: first_pass for i in range(len(sources))}, stats, seen)
    about = [r for r in records if volume in r.text]
    if not about:
        raise InputError(f"volume {volume} appears nowhere in the logs ({_read_summary(stats)})")
    if instance is None:
        counts: dict[str, int] = {}
        for r in about:
            for inst in _instances_of(r):
                counts[inst] = counts.get(inst, 0) + 1
        instance = max(sorted(counts), key=lambda k: counts[k]) if counts else None
    ids = {rid for r in records for rid in r.request_ids if volume in r.text or (instance and instance in r.text)}
    ids |= {rid for r in records if "/attachments/" in r.message for rid in r.request_ids}
    more = [rid.encode() for rid in sorted(ids)] + ([instance.encode()] if instance else [])
    # A restart or an attachment DELETE names neither: looked for only in the files that name the volume
    # or the instance (another host's restart is not this instance's).
    named = {r.order for r in records if volume in r.text or (instance and instance in r.text)}
    needles = {i: more + [*(RESTART if i in named and s.service in ("nova-compute", None) else ()),
                          *(ATTACHMENTS if i in named and s.service in ("cinder-api", None) else ())]
               for i, s in enumerate(sources)}
    records += _records(sources, needles, stats, seen)
    _fix_years(records)
    records.sort(key=lambda r: (r.time, r.order, r.line))
    services: dict[str, bool] = {}
    for i, s in enumerate(sources):
        names = {r.service for r in records if r.order == i and r.service} | ({s.service} if s.service else set())
        for name in names:
            services[name] = services.get(name, False) or stats.get(i, ScanStats()).debug
    lines = sum(st.lines for st in stats.values())
    return Reading(sources, records, services, lines, volume, instance)


def _instances_of(record: Record) -> list[str]:
    out = [record.instance] if record.instance else []
    m = _URL.search(record.message) or _DETACHED.search(record.message)
    if m and m.groupdict().get("inst"):
        out.append(m.group("inst"))
    return out


def _fix_years(records: list[Record]) -> None:
    """journald prints no year: take it from the dated lines, if any."""
    years = sorted(int(r.stamp[:4]) for r in records if r.stamp[:4].isdigit())
    if not years:
        return
    for r in records:
        if not r.stamp[:1].isdigit():
            r.time = parse_time(r.stamp, years[0])


def _read_summary(stats: dict[int, ScanStats]) -> str:
    lines = sum(s.lines for s in stats.values())
    return f"{len(stats)} file{'s' * (len(stats) != 1)}, {lines} lines read"


def release_named(name: str) -> Release:
    """A release or variant by name."""
    if name in VARIANTS:
        return VARIANTS[name].release()
    return RELEASES[name]


def explain_logs(paths: Sequence[Path], release: str | None = None, volume: str | None = None,
                 instance: str | None = None, catalogue: Catalogue | None = None) -> Explanation:
    """Read, infer, observe and validate (InputError for input that cannot be explained)."""
    cat = catalogue or load()
    reading = read(paths, volume, instance)
    inference = infer(reading.records, cat) if release is None else Inference(release, [f"--release {release}"])
    if inference.release is None:
        why = "; ".join(inference.evidence)
        raise InputError(f"cannot tell the release from the logs ({why}): give --release "
                         f"({', '.join(RELEASES)})")
    rel = release_named(inference.release)
    observed = observe(reading.records, reading.volume, reading.instance, rel.steps(), cat, catalogue_release(rel))
    if not observed.observations:
        raise InputError(f"the logs name volume {reading.volume} but show no step of a detach of it "
                         f"({len(reading.records)} lines about it, none a detach step)")
    requests = min(max(1, len(observed.requests)), MAX_REQUESTS)
    model = replay_model(inference.release, 1, requests)
    logged = loggable(rel, reading.services, cat)
    search = Validator(model, observed.observations, logged, max(1, len(observed.requests)),
                       arrival_logged(rel, reading.services, cat)).run()
    return Explanation(reading, rel, inference, observed, model, search, requests)


__all__ = ["UUID", "Explanation", "InputError", "explain_logs", "read"]
