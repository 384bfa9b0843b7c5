"""Checking several releases at once: one worker process per release, `jobs` at a time.

Each worker (forked, so nothing is imported or compiled again) checks one release and renders its
report files; the parent writes them in release order, so what lands on disk is what one process
would have written. Progress comes back over a queue, a few times a second per worker. Workers
ignore Ctrl-C: the parent stops them all and says "interrupted"; it does so on SIGTERM too (e.g.
from `timeout`), so that no worker is left behind. A worker that is killed (out of memory) ends
the command with one line (`WorkerDied`), not a wait for a result that never comes.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from detachcheck.checker.engine.searches.progress import DONE, Progress, Status

T = TypeVar("T")

EVERY = 0.25
"""Seconds between two progress messages of one worker."""


@dataclass
class Checked:
    """One release checked: its report data, the report files rendered (path under the reports
    directory -> text), the check's seconds and whether it was cut short."""

    name: str
    stem: str
    """The reports' file stem (`run.report_stem`)."""
    report: dict[str, Any]
    files: dict[str, str]
    seconds: float
    partial: bool


def default_jobs() -> int:
    """The processors this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


_queue: Any = None  # the worker's end of the progress queue (set by `_start`)


def _start(queue: Any) -> None:
    global _queue
    _queue = queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # `terminate` ends a worker with it, at once


def _throttled(name: str) -> Progress:
    last = [0.0]

    def progress(status: Status) -> None:
        now = time.perf_counter()
        if now - last[0] >= EVERY or status.phase == DONE:
            last[0] = now
            _queue.put((name, status))
    return progress


def _work(task: tuple[Callable[[str, Progress | None], T], str]) -> T:
    check, name = task
    return check(name, _throttled(name))


class WorkerDied(Exception):
    """A worker ended without its result (killed: out of memory, most likely)."""


def check_all(check: Callable[[str, Progress | None], T], names: list[str], jobs: int,
              progress: Callable[[str], Progress]) -> list[T]:
    """`check(name, progress)` for every release, `jobs` at a time (in this process when 1), in the
    order of `names`; `progress(name)` makes the display's callback for a release. What `check`
    returns comes back pickled from the workers (`Checked`: report data and files)."""
    if jobs <= 1 or len(names) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [check(name, progress(name)) for name in names]
    queue = multiprocessing.get_context("fork").SimpleQueue()
    shown: dict[str, Progress] = {}
    main = threading.current_thread() is threading.main_thread()
    others = set(multiprocessing.active_children())
    with ProcessPoolExecutor(min(jobs, len(names)), mp_context=multiprocessing.get_context("fork"),
                             initializer=_start, initargs=(queue,)) as pool:
        futures = [pool.submit(_work, (check, name)) for name in names]  # forks the workers, no thread yet
        previous = signal.signal(signal.SIGTERM, _terminated) if main else None
        try:
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=EVERY / 2, return_when=FIRST_EXCEPTION)
                _show(queue, shown, progress)
                for future in done:
                    future.result()  # a failure stops the rest at once
            return [f.result() for f in futures]
        except BaseException as exc:  # Ctrl-C, SIGTERM, a failed check, a killed worker: none left running
            for worker in set(multiprocessing.active_children()) - others:
                worker.terminate()
            if isinstance(exc, BrokenProcessPool):
                raise WorkerDied(f"a worker process was killed before its release was checked ({exc}); "
                                 "the system may be out of memory: try --jobs 1") from None
            raise
        finally:
            if previous is not None:  # None too where the handler was not set from Python
                signal.signal(signal.SIGTERM, previous)


def _show(queue: Any, shown: dict[str, Progress], progress: Callable[[str], Progress]) -> None:
    """Hand the workers' progress messages to the display."""
    while not queue.empty():
        name, status = queue.get()
        if name not in shown:
            shown[name] = progress(name)
        shown[name](status)


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # leaves the pool's `with`, which stops the workers
