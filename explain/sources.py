"""Finding and opening the log files to explain: plain or gzip, rotated, whole directories.

A directory is searched recursively for Nova and Cinder service logs; a file named on the
command line is always read. Each file is guessed a service from its name (`nova-compute.log.1`,
`n-cpu.txt.gz`, `cinder-volume.log`); lines of merged logs (journald, os-log-merger) carry their
own service, which `records.py` reads per line.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

SNIFF = 8192
"""Bytes read from the start of a file to decide whether it is text."""

_SERVICES = (
    ("nova-compute", re.compile(r"nova[-_]compute|n-cpu|\bcompute\b")),
    ("nova-api", re.compile(r"nova[-_](?:os)?api|n-api|osapi")),
    ("cinder-api", re.compile(r"cinder[-_]api|c-api")),
    ("cinder-volume", re.compile(r"cinder[-_]volume|c-vol")),
)
_LOG_NAME = re.compile(r"nova|cinder|n-cpu|n-api|c-api|c-vol|compute|journal|merged|devstack", re.IGNORECASE)
_SKIP_SUFFIX = (".json", ".html", ".md", ".py", ".pyc", ".png", ".svg", ".conf", ".ini", ".yaml", ".yml")


class InputError(Exception):
    """Input that cannot be explained, with a one-line reason (exit status 2)."""


@dataclass(frozen=True)
class Source:
    """One log file: where it is, how it is shown, and the service its name suggests."""

    path: Path
    name: str
    service: str | None
    compressed: bool

    def open(self) -> BinaryIO:
        """The file's bytes (decompressed for .gz)."""
        raw = open(self.path, "rb")  # noqa: SIM115  (closed by the caller through the wrapper)
        if self.compressed:
            return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
        return raw


def service_of(name: str) -> str | None:
    """The service a file name suggests (`nova-compute`, `nova-api`, `cinder-api`, `cinder-volume`)."""
    low = name.lower()
    for service, pattern in _SERVICES:
        if pattern.search(low):
            return service
    return None


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as stream:
        return stream.read(2) == b"\x1f\x8b"


def _wanted(path: Path) -> bool:
    """In a directory: files whose name says they are Nova or Cinder logs."""
    name = path.name.lower()
    return bool(_LOG_NAME.search(name)) and not name.endswith(_SKIP_SUFFIX) and not name.startswith(".")


def find_sources(paths: Iterable[Path]) -> list[Source]:
    """The files to read, in a stable order: each file given, then each directory's log files
    (recursively, sorted). InputError for a path that does not exist or cannot be read."""
    found: list[Source] = []
    seen: set[Path] = set()
    for given in paths:
        if not given.exists():
            raise InputError(f"{given}: no such file or directory")
        if given.is_dir():
            try:
                files = sorted(p for p in given.rglob("*") if p.is_file() and _wanted(p))
            except OSError as exc:
                raise InputError(f"{given}: {exc.strerror or exc}") from None
            if not files:
                raise InputError(f"{given}: no Nova or Cinder log file in this directory")
        else:
            files = [given]
        for path in files:
            real = path.resolve()
            if real in seen:
                continue
            seen.add(real)
            if not os.access(path, os.R_OK):
                raise InputError(f"{path}: not readable")
            try:
                found.append(Source(path, str(path), service_of(path.name), _is_gzip(path)))
            except OSError as exc:
                raise InputError(f"{path}: {exc.strerror or exc}") from None
    return found


def check_text(source: Source) -> bool:
    """Whether the file starts like text (no NUL byte, mostly UTF-8); False for an empty file.
    InputError for a broken gzip file."""
    try:
        with source.open() as stream:
            head = stream.read(SNIFF)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{source.name}: cannot read it: {exc}") from None
    if not head:
        return False
    if b"\0" in head:
        raise InputError(f"{source.name}: not a text file (binary data): give Nova or Cinder log files")
    text = head.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad > max(8, len(text) // 20):
        raise InputError(f"{source.name}: not a text file (not UTF-8): give Nova or Cinder log files")
    return True
