"""Log lines to records: oslo.log's file format, devstack's journald form and os-log-merger's output.

A record is one logging call: its first line (timestamp, pid, level, logger, request context,
`[instance: X]`, message) and every line that belongs to it: the rest of a multi-line message
(libvirt XML, a ProcessExecutionError text) and the traceback oslo.log prints line by line with its
exception prefix (no request context; `[instance: X]` where the context would be). `is_start` is the
one rule, on bytes, that decides where a record starts: the filter (`filter.py`) groups lines with
it before anything is parsed, and `parse` reads what it grouped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from detachcheck.explain.sources import service_of

_TS = r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?"
_JTS = r"(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d{4}|Z)?)"
_CONTEXT = r"\[(?:req-|-\]|None[ \]]|[0-9a-f]{32} )"
_LEVELS = r"(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|TRACE|AUDIT)"

START = re.compile(
    rb"(?:" + _TS.encode() + rb" (?:\[[^\]\n]{1,120}\] )?\d+ " + _LEVELS.encode() + rb" \S+ " + _CONTEXT.encode()
    + rb"|" + _JTS.encode() + rb" \S+ [^\s\[]+\[\d+\]: " + _LEVELS.encode() + rb" \S+ " + _CONTEXT.encode() + rb")")
"""A line that starts a record (bytes): a header with a request-context bracket."""

_OSLO = re.compile(r"(?P<ts>" + _TS + r") (?:\[(?P<alias>[^\]\n]{1,120})\] )?(?P<pid>\d+) (?P<level>" + _LEVELS
                   + r") (?P<logger>\S+)(?: (?P<rest>.*))?$")
_JOURNAL = re.compile(r"(?P<ts>" + _JTS + r") (?P<host>\S+) (?P<ident>[^\s\[]+)\[(?P<pid>\d+)\]: (?P<body>.*)$")
_BODY = re.compile(r"(?P<level>" + _LEVELS + r") (?P<logger>\S+)(?: (?P<rest>.*))?$")
_INSTANCE = re.compile(r"\[instance: (?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\]+ ?")
_REQ = re.compile(r"req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SUFFIX = re.compile(r"(?:^|\s)(?P<func>[\w<>.]+) (?P<path>/\S+?\.py):(?P<lineno>\d+)\s*$")
_DEVSTACK_SUFFIX = re.compile(r"\s*\{\{\(pid=\d+\) (?P<func>[\w<>.]+) (?P<path>\S+?\.py):(?P<lineno>\d+)\}\}\s*$")
_FRAME = re.compile(r"^\s*File \"(?P<path>[^\"]+)\", line (?P<line>\d+), in (?P<func>\S+)\s*$")
_EXCEPTION = re.compile(r"^(?P<cls>[A-Za-z_][\w.]*)(?:: (?P<text>.*))?$")
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                                       "Dec"), start=1)}

_LOGGER_SERVICES = (
    ("nova-api", ("nova.api.", "nova.osapi_compute", "nova.compute.api", "nova.servicegroup")),
    ("nova-compute", ("nova.", "os_brick", "oslo_service.loopingcall", "oslo.privsep", "oslo_privsep")),
    ("cinder-volume", ("cinder.volume.manager", "cinder.volume.drivers", "cinder.volume.targets")),
    ("cinder-api", ("cinder.api", "cinder.volume.api", "eventlet.wsgi.server", "cinder.")),
)


@dataclass(frozen=True)
class Frame:
    """One traceback frame: file, line number, function and the source text Python printed."""

    path: str
    line: int
    function: str
    text: str


@dataclass
class Record:
    """One log record, with what explain reads from it."""

    source: str
    line: int
    stamp: str
    time: float
    pid: str
    level: str
    logger: str
    service: str | None
    request_ids: tuple[str, ...]
    instance: str | None
    message: str
    text: str
    context: bool = True
    suffix: tuple[str, str, int] | None = None
    frames: tuple[Frame, ...] = ()
    exception: str | None = None
    exception_text: str = ""
    order: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def request_id(self) -> str | None:
        """The local request id (the last of the bracket: `[req-GLOBAL req-LOCAL ...]` from Wallaby)."""
        return self.request_ids[-1] if self.request_ids else None

    @property
    def global_id(self) -> str | None:
        """The global request id, where the bracket has two."""
        return self.request_ids[0] if len(self.request_ids) > 1 else None


def is_start(line: bytes) -> bool:
    """Whether a line starts a record (a header followed by a request-context bracket)."""
    return START.match(line) is not None


def parse_time(stamp: str, year: int = 2000) -> float:
    """Seconds (for ordering only) of an oslo.log or journald timestamp; journald's has no year."""
    try:
        if stamp[:1].isdigit():
            date, _, clock = stamp.replace("T", " ").partition(" ")
            clock = re.split(r"[+Z-]", clock)[0] if ("+" in clock or "Z" in clock or clock.count("-")) else clock
            y, mo, d = (int(x) for x in date.split("-"))
        else:
            mon, d_text, clock = stamp.split()
            y, mo, d = year, _MONTHS[mon], int(d_text)
        hms, _, frac = clock.replace(",", ".").partition(".")
        h, mi, s = (int(x) for x in hms.split(":"))
        base = datetime(y, mo, d, h, mi, s).timestamp()
        return base + (float("0." + frac) if frac.isdigit() else 0.0)
    except (ValueError, KeyError, OverflowError, OSError):
        return 0.0


def _service(ident: str | None, source_service: str | None, logger: str) -> str | None:
    if ident:
        found = service_of(ident)
        if found:
            return found
    if source_service:
        return source_service
    for service, prefixes in _LOGGER_SERVICES:
        if logger.startswith(prefixes):
            return service
    return None


def _split_context(rest: str) -> tuple[bool, tuple[str, ...], str]:
    """(has a request context, request ids, text after the bracket)."""
    if not re.match(_CONTEXT, rest + " "):
        return False, (), rest
    end = rest.find("]")
    if end < 0:
        return True, tuple(_REQ.findall(rest)), ""
    return True, tuple(_REQ.findall(rest[:end])), rest[end + 1:].lstrip(" ")


def _body(line: str, journald: bool, merger: bool) -> str:
    """A continuation line without its journald prefix or os-log-merger's indentation."""
    if journald:
        m = _JOURNAL.match(line)
        return m.group("body") if m else line
    if merger and line.startswith(" " * 40):
        return line[40:]
    return line


def _prefix_content(line: str, logger: str, journald: bool) -> str | None:
    """The content of an exception-prefix line of the same logger (a traceback line), else None."""
    m = _BODY.match(line) if journald else _OSLO.match(line)
    if m is None or m.group("logger") != logger:
        return None
    content = m.group("rest") or ""
    inst = _INSTANCE.match(content)
    return content[inst.end():] if inst else content


def _traceback(lines: list[str]) -> tuple[tuple[Frame, ...], str | None, str]:
    """Frames, and the exception class (last dotted component) and text, from traceback lines."""
    frames: list[Frame] = []
    exception: str | None = None
    text = ""
    i = 0
    after_frame = False
    while i < len(lines):
        m = _FRAME.match(lines[i])
        if m:
            source = ""
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if nxt.strip() and not _FRAME.match(nxt) and (nxt[:1] in (" ", "\t") or not _EXCEPTION.match(nxt.strip())):
                source = nxt.strip()  # indented as Python prints it, or a pasted log that lost its blanks
                i += 1
            frames.append(Frame(m.group("path"), int(m.group("line")), m.group("func"), source))
            after_frame = True
        elif after_frame and lines[i].strip():
            e = _EXCEPTION.match(lines[i].strip())
            if e:
                exception = e.group("cls").rsplit(".", 1)[-1]
                text = e.group("text") or ""
            after_frame = False
        i += 1
    return tuple(frames), exception, text


def parse(text: str, source: str, line: int, source_service: str | None = None, year: int = 2000,
          order: int = 0) -> Record | None:
    """One record from its lines (as grouped by `is_start`); None if the first line is no log header."""
    lines = text.split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    if not lines:
        return None
    first = lines[0].rstrip("\r")
    journald = False
    merger = False
    ident = None
    m = _OSLO.match(first)
    if m is not None:
        stamp, pid, level, logger, rest = m.group("ts"), m.group("pid"), m.group("level"), m.group("logger"), \
            m.group("rest") or ""
        ident = m.group("alias")
        merger = ident is not None
    else:
        j = _JOURNAL.match(first)
        if j is None:
            return None
        b = _BODY.match(j.group("body"))
        if b is None:
            return None
        journald = True
        stamp, pid, ident = j.group("ts"), j.group("pid"), j.group("ident")
        level, logger, rest = b.group("level"), b.group("logger"), b.group("rest") or ""
    context, req_ids, after = _split_context(rest)
    instance = None
    inst = _INSTANCE.match(after)
    if inst:
        instance = inst.group("uuid")
        after = after[inst.end():]
    message_lines = [after]
    tb_lines: list[str] = []
    for raw in lines[1:]:
        body = _body(raw.rstrip("\r"), journald, merger)
        content = _prefix_content(body, logger, journald)
        if content is not None:
            tb_lines.append(content)
            inner = _INSTANCE.search(body)
            if instance is None and inner:
                instance = inner.group("uuid")
        elif tb_lines:
            tb_lines.append(body)
        else:
            message_lines.append(body)
    suffix = None
    if level == "DEBUG":
        last = message_lines[-1]
        s = _DEVSTACK_SUFFIX.search(last) or _SUFFIX.search(last)
        if s:
            suffix = (s.group("func"), s.group("path"), int(s.group("lineno")))
            message_lines[-1] = last[:s.start()]
            while len(message_lines) > 1 and not message_lines[-1].strip():
                message_lines.pop()
    message = "\n".join(message_lines).rstrip()
    frames, exception, exc_text = _traceback(tb_lines)
    return Record(source=source, line=line, stamp=stamp, time=parse_time(stamp, year), pid=pid, level=level,
                  logger=logger, service=_service(ident, source_service, logger), request_ids=req_ids,
                  instance=instance, message=message, text=text.rstrip("\n"), context=context, suffix=suffix,
                  frames=frames, exception=exception, exception_text=exc_text, order=order)
