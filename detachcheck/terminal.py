"""Terminal output that never ends in a traceback, and a progress display that stays out of the way.

stdout may be closed (`>&-`), full (`> /dev/full`) or a pipe whose reader left (`| head -1`):
the first two are a one-line error and exit 2, the last exits as the run did.
"""

from __future__ import annotations

import errno
import os
import sys
import time
from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

PROG = "detachcheck"


class PipeConsole(Console):
    """A rich console on stdout that lets a broken pipe through as BrokenPipeError (rich's default
    turns it into `SystemExit(1)`)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


def stdout_console() -> Console:
    """The console for a command's result: the terminal's width, folded rather than cut."""
    return PipeConsole(highlight=False)


def _emit(line: str) -> None:
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(line + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


def error(message: str) -> int:
    """One line on stderr, `detachcheck: error: ...`; returns exit status 2."""
    _emit(f"{PROG}: error: {' '.join(message.split())}")
    return 2


def warn(message: str) -> None:
    """One line on stderr, `detachcheck: warning: ...`."""
    _emit(f"{PROG}: warning: {' '.join(message.split())}")


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null so the interpreter's last flush cannot fail again."""
    stream = sys.stdout
    try:
        fd = stream.fileno() if stream is not None else -1
    except (OSError, ValueError):
        return
    if fd != 1:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except OSError:
        pass


def deliver(code: int, show: Callable[[], None]) -> int:
    """Run `show` (which writes the result to stdout) and flush; `code` if that worked or the reader
    left early, 2 with one line on stderr if stdout is closed or cannot be written."""
    if sys.stdout is None:
        return error("cannot write to standard output: it is closed")
    try:
        show()
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        return code
    except OSError as exc:
        _silence_stdout()
        return error(f"cannot write to standard output: {exc.strerror or exc}")
    return code


class Delayed:
    """A transient progress display on stderr: only on a terminal, and only once a task has run for
    `after` seconds (so quick runs and redirected output show nothing)."""

    def __init__(self, description: str, total: int | None = None, after: float = 1.0) -> None:
        console = Console(stderr=True)
        self.enabled = console.is_terminal
        columns = [SpinnerColumn(), TextColumn("{task.description}")]
        if total is not None:
            columns += [BarColumn(), MofNCompleteColumn()]
        self.bar = Progress(*columns, TimeElapsedColumn(), console=console, transient=True)
        self.task = self.bar.add_task(description, total=total)
        self.start = time.perf_counter()
        self.after = after

    def update(self, completed: int | None = None, description: str | None = None) -> None:
        """Record progress; the display appears once `after` seconds have passed."""
        if not self.enabled:
            return
        if not self.bar.live.is_started:
            if time.perf_counter() - self.start < self.after:
                return
            self.bar.start()
        fields: dict[str, object] = {}
        if completed is not None:
            fields["completed"] = completed
        if description is not None:
            fields["description"] = description
        self.bar.update(self.task, **fields)  # type: ignore[arg-type]

    def __enter__(self) -> Delayed:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.bar.live.is_started:
            self.bar.stop()
