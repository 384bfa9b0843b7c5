"""The cheap pass over a log: keep only the records that name a needle (a UUID, a request id).

A log is read in large blocks; `bytes.find` looks for each needle in the whole block, and only
around a hit are lines looked at, to find the record the hit belongs to (back to the line that
starts it, `records.is_start`, and on through its continuation lines). A block always ends where
a record starts, so no record is cut in two. Nothing is parsed or decoded here: a 1 GB log is read
at the speed of `find`, and memory stays at a few blocks whatever the size of the log.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from detachcheck.explain.records import is_start
from detachcheck.explain.sources import Source

BLOCK = 8 << 20
MAX_RECORD = 64 << 20
"""A record longer than this (no line starts one) is read in pieces rather than held whole."""
LOOKBACK_LINES = 400
"""How far back from a hit a record's first line is looked for (a long traceback is ~100 lines)."""


@dataclass
class ScanStats:
    """What a pass saw in one file: lines, bytes, and whether any DEBUG line was printed."""

    lines: int = 0
    bytes: int = 0
    debug: bool = False


def _line_start(data: bytes, pos: int) -> int:
    return data.rfind(b"\n", 0, pos) + 1


def _record_start(data: bytes, pos: int) -> int:
    """The start of the record holding position `pos` (or of its line, if none is found close by)."""
    start = _line_start(data, pos)
    probe = start
    for _ in range(LOOKBACK_LINES):
        if is_start(data[probe:probe + 400]):
            return probe
        if probe == 0:
            break
        probe = _line_start(data, probe - 1)
    return start


def _record_end(data: bytes, pos: int) -> int:
    """The end of the record whose line holds `pos`: up to the next line that starts a record."""
    end = data.find(b"\n", pos)
    while end != -1:
        nxt = end + 1
        if nxt >= len(data) or is_start(data[nxt:nxt + 400]):
            return nxt
        end = data.find(b"\n", nxt)
    return len(data)


def _cut(data: bytes) -> int:
    """Where to end a block: at the start of its last record, so the next block begins with it (0: no
    record starts near the end, read on; a record longer than MAX_RECORD is cut at a line end)."""
    end = len(data)
    for _ in range(LOOKBACK_LINES):
        start = _line_start(data, end - 1) if end > 0 else 0
        if start == 0:
            break
        if is_start(data[start:start + 400]):
            return start
        end = start
    if len(data) < MAX_RECORD:
        return 0
    last = data.rfind(b"\n")
    return last + 1 if last >= 0 else len(data)


def scan(source: Source, needles: Sequence[bytes], stats: ScanStats | None = None) -> Iterator[tuple[int, bytes]]:
    """(first line number, record bytes) of every record of `source` that contains a needle, in file order."""
    stats = stats if stats is not None else ScanStats()
    needles = [n for n in dict.fromkeys(needles) if n]
    carry = b""
    line_no = 1  # line number of the first byte of `carry`
    with source.open() as stream:
        while True:
            block = stream.read(BLOCK)
            data = carry + block if carry else block
            if not data:
                break
            end = len(data) if not block else _cut(data)
            if end == 0:  # one record longer than a block: keep reading it
                carry = data
                continue
            region = memoryview(data)[:end].tobytes() if end < len(data) else data
            carry = data[end:]
            stats.bytes += len(region)
            if not stats.debug and b" DEBUG " in region:
                stats.debug = True
            hits = sorted({pos for needle in needles for pos in _positions(region, needle)})
            counted, counted_line = 0, line_no
            covered = -1
            for pos in hits:
                if pos < covered:
                    continue
                start = _record_start(region, pos)
                if start < covered:
                    start = covered
                stop = _record_end(region, pos)
                counted_line += region.count(b"\n", counted, start)
                counted = start
                covered = stop
                yield counted_line, region[start:stop]
            line_no += region.count(b"\n")
            if not block:
                break
    stats.lines += line_no - 1


def _positions(data: bytes, needle: bytes) -> Iterator[int]:
    pos = data.find(needle)
    while pos != -1:
        yield pos
        pos = data.find(needle, pos + len(needle))
