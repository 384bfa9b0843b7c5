"""The log-message catalogue (explain/data/log_catalogue.json): which protocol step a log record is.

The catalogue is generated from the Nova, Cinder, os-brick and oslo sources at each modelled
release tag (tools/build_log_catalogue.py): per release, the format string, level, logger, a
regex over the message and the step and outcome it prints for (or none: a context line). Here a
record is matched against a release's entries, and the entry is read into the step outcomes the
record may stand for (`Meaning.alternatives`), looking at the message, the exception and the
traceback where the entry says the step depends on them.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from detachcheck.explain.records import Record
from detachcheck.fsm.releases import Release
from detachcheck.fsm.request import AT_COMPUTE, LOST
from detachcheck.fsm.step import Step

Outcome = tuple[str, str]
"""(step name, outcome name)."""

ACCESS_LOGS = ("nova-api.access.requestlog", "nova-api.access.eventlet")
FIRST_COMPUTE = ("nova-compute.detaching_volume", "nova-compute.ocata.detach_volume_from_mountpoint")
"""Lines nova-compute prints when it starts on a detach request: the cast has arrived (the request is
`at compute`, about to take its first compute step)."""
ARRIVED: Outcome = ("rpc.detach_volume", "ok")
BRICK_TRACE = ("nova-compute.os_brick.trace_return", "nova-compute.os_brick.trace_exception")
CORRECTED: dict[str, Outcome] = {
    # "Attachment %(id)s does not exist. Ignoring." and master's "Ignoring a volume attachment deletion
    # failure": the 404 that the model calls attachment_delete:not_found (ignored from 9b1c078112).
    "nova-compute.cinder.attachment_not_found": ("compute.attachment_delete", "not_found"),
    "nova-compute.attachment_vanished": ("compute.attachment_delete", "not_found"),
}
"""Entries whose step outcome, read against the model, is a more specific one than the catalogue's."""
NOT_OWED = frozenset({
    "cinder-volume.detach.not_attached", "cinder-volume.attachment.backend_detach_ignored",
    "nova-compute.iscsi.device_not_found", "nova-compute.iscsi.disconnected",
    "nova-compute.libvirt.multiple_connections",
    "nova-compute.stop.already_off", "nova-compute.os_brick.flush_io_failed", "nova-compute.os_brick.leftovers",
    "nova-compute.startup.reboot_after_restart", "nova-compute.attachment_vanished",
    "nova-compute.cinder.attachment_not_found",
})
"""Entries printed only on some runs of their step outcome (one back end, one branch): they show the step
when present, and their absence proves nothing."""
_ACCESS = re.compile(r"\"(?P<method>[A-Z]+) (?P<uri>[^\s\"]+)[^\"]*\" status: (?P<status>\d+)"
                     r"(?:.*? time: (?P<time>[\d.]+))?")
_DETACH_URI = re.compile(r"/os-volume_attachments/(?P<volume>[0-9a-f-]{36})")


@dataclass(frozen=True)
class Entry:
    """One catalogue entry at one release."""

    id: str
    release: str
    service: str
    logger: str
    level: str
    regex: re.Pattern[str]
    regex_summary: re.Pattern[str] | None
    literal_chars: int
    step: str
    outcome: str
    by_message: tuple[tuple[str, Outcome], ...]
    by_exception: tuple[tuple[str, Outcome], ...]
    by_frame: tuple[tuple[str, Outcome], ...]
    citation: str
    file: str
    function: str
    line: int
    line_py2: int

    @property
    def debug(self) -> bool:
        return self.level == "DEBUG"


@dataclass(frozen=True)
class Meaning:
    """What a record is: the entry it matched (None: no entry) and the step outcomes it may stand for
    (empty: a context line, about the request but no step of the model)."""

    entry: Entry | None
    alternatives: tuple[Outcome, ...]
    groups: tuple[tuple[str, str], ...] = ()

    @property
    def recognised(self) -> bool:
        return self.entry is not None


def _pairs(mapping: dict[str, list[str]] | None) -> tuple[tuple[str, Outcome], ...]:
    return tuple((k, (v[0], v[1])) for k, v in sorted((mapping or {}).items()))


class Catalogue:
    """The catalogue, indexed by release and logger."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.releases: tuple[str, ...] = tuple(sorted(data["releases"]))
        self.entries: dict[str, dict[str, list[Entry]]] = {}
        for key, raw in data["entries"].items():
            for rel, at in raw["by_release"].items():
                summary = at.get("regex_summary")
                entry = Entry(
                    id=key, release=rel, service=raw["service"], logger=at["logger"], level=at["printed_level"],
                    regex=re.compile(at["regex"]), regex_summary=re.compile(summary) if summary else None,
                    literal_chars=at["literal_chars"], step=at.get("step", raw.get("step", "")),
                    outcome=at.get("outcome", raw.get("outcome", "")), by_message=_pairs(raw.get("by_message")),
                    by_exception=_pairs(raw.get("by_exception")), by_frame=_pairs(raw.get("by_frame")),
                    citation=at["citation"], file=at["file"], function=at["function"], line=at["line"],
                    line_py2=at["line_py2"])
                self.entries.setdefault(rel, {}).setdefault(entry.logger, []).append(entry)

    def entries_of(self, release: str) -> list[Entry]:
        """Every entry of a release."""
        return [e for group in self.entries.get(release, {}).values() for e in group]

    def find(self, record: Record, release: str) -> tuple[list[Entry], dict[str, str]]:
        """The entries of `release` that match the record best (several when they tie), and the regex groups."""
        best: list[Entry] = []
        groups: dict[str, str] = {}
        for entry in self.entries.get(release, {}).get(record.logger, ()):
            m = entry.regex.match(record.message)
            if m is None and entry.regex_summary is not None:
                m = entry.regex_summary.match(record.message)
            if m is None:
                continue
            if not best or entry.literal_chars > best[0].literal_chars:
                best, groups = [entry], {k: v for k, v in m.groupdict().items() if v is not None}
            elif entry.literal_chars == best[0].literal_chars:
                best.append(entry)
        return best, groups

    def releases_matching(self, record: Record) -> frozenset[str]:
        """The releases in which some entry matches the record."""
        return frozenset(r for r in self.releases if self.find(record, r)[0])


@functools.lru_cache(maxsize=1)
def load() -> Catalogue:
    """The catalogue shipped with the package."""
    text = resources.files("detachcheck.explain").joinpath("data/log_catalogue.json").read_text(encoding="utf-8")
    return Catalogue(json.loads(text))


def _rel_path(path: str) -> str:
    """`/usr/lib/python2.7/site-packages/nova/volume/cinder.py` -> `nova/volume/cinder.py`."""
    for package in ("nova", "cinder", "os_brick"):
        i = path.rfind(f"/{package}/")
        if i >= 0:
            return path[i + 1:]
    return path


def exception_class(record: Record, groups: dict[str, str]) -> str | None:
    """The exception a record reports: from its traceback, else from its error summary."""
    if record.exception:
        return record.exception
    summary = groups.get("error_summary", "")
    m = re.match(r"([A-Za-z_][\w.]*)(?::|$)", summary)
    return m.group(1).rsplit(".", 1)[-1] if m else None


def _known(alternatives: Iterable[Outcome], steps: tuple[Step, ...]) -> tuple[Outcome, ...]:
    declared = {(s.name, o.name) for s in steps for o in s.outcomes}
    return tuple(a for a in dict.fromkeys(alternatives) if a in declared) or tuple(dict.fromkeys(alternatives))


def siblings(target: Outcome, steps: tuple[Step, ...]) -> tuple[Outcome, ...]:
    """A Cinder call that failed, as nova-compute's traceback shows it: every fault outcome of that step
    that ends the same way (an error and a timeout print the same ClientException)."""
    ends = {o.then for s in steps if s.name == target[0] for o in s.outcomes if o.name == target[1]}
    found = tuple((s.name, o.name) for s in steps if s.name == target[0] for o in s.outcomes
                  if o.then in ends and (o.fault or o.name == target[1]))
    return found or (target,)


def first_compute(steps: tuple[Step, ...]) -> tuple[Outcome, ...]:
    """Every outcome of the step nova-compute takes first on a detach request."""
    return tuple((s.name, o.name) for s in steps if AT_COMPUTE in s.at for o in s.outcomes)


def _access(record: Record, steps: tuple[Step, ...]) -> tuple[Outcome, ...]:
    """A nova-api access line for DELETE .../os-volume_attachments/VOL: what its status says happened."""
    m = _ACCESS.search(record.message)
    if m is None or m.group("method") != "DELETE" or not _DETACH_URI.search(m.group("uri")):
        return ()
    status = m.group("status")
    if status == "202":  # the cast was sent (whether it arrives is another matter), or the offloaded clean-up ran
        return tuple((s.name, o.name) for s in steps if s.actor == "nova-api" for o in s.outcomes
                     if o.then in (AT_COMPUTE, LOST) or (s.name == "api.detach_shelved_offloaded"
                                                          and o.then is not None))
    by_status = {"400": (("api.begin_detaching", "invalid"), ("api.check_bdm", "root")),
                 "403": (("api.check_bdm", "root"),), "404": (("api.check_bdm", "not_found"),),
                 "409": (("api.check_instance", "invalid"), ("api.begin_detaching", "service_down")),
                 "500": (("api.get_volume", "error"), ("api.begin_detaching", "error"))}
    return by_status.get(status, ())


def interpret(entries: list[Entry], groups: dict[str, str], record: Record, steps: tuple[Step, ...]) -> Meaning:
    """The step outcomes a record matched by `entries` stands for, in a release with `steps`."""
    if not entries:
        return Meaning(None, ())
    alternatives: list[Outcome] = []
    for entry in entries:
        alternatives += _one(entry, groups, record, steps)
    return Meaning(entries[0], _known(alternatives, steps) if alternatives else (),
                   tuple(sorted(groups.items())))


def _one(entry: Entry, groups: dict[str, str], record: Record, steps: tuple[Step, ...]) -> list[Outcome]:
    if entry.id in ACCESS_LOGS:
        return list(_access(record, steps))
    if entry.id in FIRST_COMPUTE:
        return [ARRIVED]
    if entry.id in BRICK_TRACE and groups.get("func") != "disconnect_volume":
        return []
    if entry.id == "cinder-api.request" and groups.get("method") != "DELETE":
        return []
    text = record.message + "\n" + record.exception_text
    for fragment, target in entry.by_message:
        if fragment in text:
            return [target]
    exc = exception_class(record, groups)
    for name, target in entry.by_exception:
        if exc == name:
            return [target]
    for frame in reversed(record.frames):
        key = f"{_rel_path(frame.path)}:{frame.function}"
        for name, target in entry.by_frame:
            if key == name:
                return list(siblings(target, steps))
    if entry.id in CORRECTED:
        return [CORRECTED[entry.id]]
    if entry.step:
        return [(entry.step, entry.outcome or "ok")]
    return []


def access_window(record: Record) -> float | None:
    """How long the API request of an access line took (its `time:` field), if printed."""
    m = _ACCESS.search(record.message)
    if m is None or not m.group("time"):
        return None
    try:
        return float(m.group("time"))
    except ValueError:
        return None


def detach_volume_of(record: Record) -> str | None:
    """The volume of a `DELETE .../os-volume_attachments/VOL` access line."""
    m = _ACCESS.search(record.message)
    if m is None or m.group("method") != "DELETE":
        return None
    d = _DETACH_URI.search(m.group("uri"))
    return d.group("volume") if d else None


def arrival_logged(release: Release, services: dict[str, bool], catalogue: Catalogue | None = None) -> bool:
    """Whether nova-compute prints a line when a detach request arrives (its log was given)."""
    cat = catalogue or load()
    name = _base(release.name)
    return "nova-compute" in services and any(e.id in FIRST_COMPUTE for e in cat.entries_of(name))


def loggable(release: Release, services: dict[str, bool], catalogue: Catalogue | None = None) -> frozenset[Outcome]:
    """The step outcomes that print a line in the given services at their levels (`services`: service ->
    DEBUG on): taking one of them where the logs show no such line means a line is missing."""
    cat = catalogue or load()
    steps = release.steps()
    name = release.name if release.name in cat.entries else _base(release.name)
    out: set[Outcome] = set()
    for entry in cat.entries_of(name):
        if entry.service not in services or (entry.debug and not services[entry.service]):
            continue
        if entry.id in ACCESS_LOGS or entry.id in NOT_OWED:
            continue  # an access line confirms the whole API request; the others are printed only sometimes
        if entry.id in FIRST_COMPUTE:
            continue  # owed by the first compute step unless the request's arrival was seen: validate.py
        if entry.step:
            out.add((entry.step, entry.outcome or "ok"))
        out.update(t for _, t in entry.by_message)
        out.update(t for _, t in entry.by_exception)
        for _, target in entry.by_frame:
            out.update(siblings(target, steps))
    return frozenset(out)


def _base(name: str) -> str:
    """A variant's base release (`queens-eol-no-rollback-on-ddf` -> `queens-eol`)."""
    from detachcheck.fsm.variants import VARIANTS
    return VARIANTS[name].base if name in VARIANTS else name


def catalogue_release(release: Release) -> str:
    """The catalogue release that prints what `release` prints (a variant prints what its base prints)."""
    return _base(release.name)

