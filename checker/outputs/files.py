"""Writing output files: the directory is checked before any work, every file is written atomically.

A reader (or a full disk) never sees half a report: each file is written to a temporary file in
its own directory, then renamed over the old one with `os.replace`.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)


class OutputError(Exception):
    """An output path that cannot be written, with a one-line reason."""


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def check_dir(path: Path, what: str = "reports") -> None:
    """Fail now (OutputError) if `path` cannot become a writable directory: it is not a directory,
    or its nearest existing ancestor is a file or is not writable. Creates nothing."""
    if str(path) == "":
        raise OutputError(f"the {what} directory is empty: give a path")
    probe = Path(os.path.abspath(path))
    while not probe.exists():
        if probe.is_symlink():  # a dangling link
            raise OutputError(f"cannot write {what} to {path}: {probe} is a broken link")
        probe = probe.parent
    if not probe.is_dir():
        where = "" if probe == Path(os.path.abspath(path)) else f" ({probe} is a file)"
        raise OutputError(f"cannot write {what} to {path}: not a directory{where}")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {what} to {path}: {probe} is not writable")


def check_file(path: Path, what: str = "output") -> None:
    """Fail now (OutputError) if a file cannot be written at `path`."""
    if str(path) == "":
        raise OutputError(f"the {what} file is empty: give a path")
    if path.is_dir():
        raise OutputError(f"cannot write {what} to {path}: it is a directory")
    check_dir(path.parent, what)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write `data` (text is UTF-8) to `path` via a temporary file in the same directory and
    `os.replace`; OutputError (nothing changed, no temporary file left) when that fails."""
    payload = data.encode() if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
    try:
        try:
            _write_all(fd, payload)
            os.fchmod(fd, 0o666 & ~_UMASK)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if exc.errno == errno.ENOSPC:
            raise OutputError(f"cannot write {path}: no space left on device") from None
        raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
