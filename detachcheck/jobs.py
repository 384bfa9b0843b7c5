"""Checking several releases (or a release and a variant) at once, on `jobs` worker processes.

The workers are forked after the imports, so nothing is imported or compiled again; each is given
one release at a time, and what it returns comes back pickled (`check`'s `Checked`: report data and
rendered report files, which the parent writes in release order, so what lands on disk is what one
process would have written). Progress comes back over a queue, a few times a second per worker.
Workers ignore Ctrl-C: the parent stops them all and says "interrupted"; it does so on SIGTERM too
(e.g. from `timeout`), so that no worker is left behind. Both signals are held back while the
workers are forked and the parent's handler is set, so none can strike in between; on Linux a
parent killed outright (SIGKILL, out of memory) takes its workers with it. A worker that is killed
ends the command with one line (`WorkerDied`), not a wait for a result that never comes.
"""

from __future__ import annotations

import ctypes
import math
import multiprocessing
import os
import signal
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from detachcheck.checker.engine.searches.progress import DONE, Progress, Status

T = TypeVar("T")
SIGNALS = {signal.SIGINT, signal.SIGTERM}

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
    """The processors this process may run on: its CPU affinity, within a container's CPU quota
    (cgroup v2 `cpu.max`), so that a container allowed 2 of a host's 64 processors runs 2 checks."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            count = min(count, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return count


_queue: Any = None  # the worker's end of the progress queue (set by `_start`)


def _start(queue: Any, parent: int) -> None:
    global _queue
    _queue = queue
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # `terminate` ends a worker with it, at once
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)  # held back by the parent while it forked


def _die_with(parent: int) -> None:
    """On Linux, have the kernel end this worker when its parent dies, even by SIGKILL or the
    out-of-memory killer, which no handler of the parent sees (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: a worker outlives a parent killed outright
        return
    if os.getppid() != parent:  # it died before that took effect
        os._exit(1)


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
    order of `names`; `progress(name)` makes the display's callback for a release. A failure is
    raised as soon as it is known (the first in `names` order among those known), the other workers
    stopped."""
    if jobs <= 1 or len(names) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [check(name, progress(name)) for name in names]
    queue = multiprocessing.get_context("fork").SimpleQueue()
    shown: dict[str, Progress] = {}
    main = threading.current_thread() is threading.main_thread()
    others = set(multiprocessing.active_children())
    stopped: list[int] = []  # the SIGTERM seen, acted on between two waits (not inside pool code)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS) if main else None
    previous: Any = None
    installed = False
    try:
        with ProcessPoolExecutor(min(jobs, len(names)), mp_context=multiprocessing.get_context("fork"),
                                 initializer=_start, initargs=(queue, os.getpid())) as pool:
            try:
                with warnings.catch_warnings():  # Python 3.12+: numpy's BLAS threads are fork-safe
                    warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
                    futures = [pool.submit(_work, (check, name)) for name in names]  # forks every worker
                if mask is not None:
                    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stopped.append(signum))
                    installed = True
                    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                    mask = None
                pending = set(futures)
                while pending:
                    if stopped:
                        raise SystemExit(128 + stopped[0])
                    _, pending = wait(pending, timeout=EVERY / 2, return_when=FIRST_EXCEPTION)
                    _show(queue, shown, progress)
                    for future in futures:  # in `names` order: the same failure as one process would see
                        if future.done() and future.exception() is not None:
                            future.result()
                results = [f.result() for f in futures]
            except BaseException as exc:  # Ctrl-C, SIGTERM, a failed check, a killed worker: none left running
                for worker in set(multiprocessing.active_children()) - others:
                    worker.terminate()
                if isinstance(exc, BrokenProcessPool) and exc.__cause__ is None:  # no result to read: killed
                    raise WorkerDied(f"a worker process was killed before its release was checked ({exc}); "
                                     "the system may be out of memory: try --jobs 1") from None
                raise
        if stopped:
            raise SystemExit(128 + stopped[0])
        return results
    finally:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        if installed:  # None: a handler not set from Python, which the default stands for
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _show(queue: Any, shown: dict[str, Progress], progress: Callable[[str], Progress]) -> None:
    """Hand the workers' progress messages to the display."""
    while not queue.empty():
        name, status = queue.get()
        if name not in shown:
            shown[name] = progress(name)
        shown[name](status)
