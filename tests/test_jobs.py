"""`check --release all` on several processes (`detachcheck/jobs.py`): the same files and output
as one process, progress from the workers, and no worker left behind when stopped."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from detachcheck.checker.engine.searches.progress import DONE, Status
from detachcheck.cli import main
from detachcheck.jobs import Checked, check_all

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the workers are forked")


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_several_processes_write_what_one_writes(tmp_path, capsys):
    scenario = ["check", "--release", "all", "--requests", "1", "--detach-only", "--format", "json"]
    assert main([*scenario, "--jobs", "1", "--reports", str(tmp_path / "one")]) == 0
    one = capsys.readouterr().out
    assert main([*scenario, "--jobs", "3", "--reports", str(tmp_path / "three")]) == 0
    assert capsys.readouterr().out == one
    files = _tree(tmp_path / "one")
    assert len(files) > 9 * 3 and _tree(tmp_path / "three") == files


def _fake(name: str, progress) -> Checked:  # module level: the workers unpickle it by name
    for states in (1, 2, 3):
        time.sleep(0.3)
        progress(Status("searching", states))
    progress(Status(DONE, 99))  # right after the last: a display must still drop the line
    return Checked(name, name, {"pid": os.getpid()}, {}, 0.0, False)


def test_results_come_in_order_and_progress_reaches_the_parent():
    seen: dict[str, list[int]] = {}

    def progress(name: str):
        return lambda status: seen.setdefault(name, []).append(status.states)
    done = check_all(_fake, ["a", "b", "c", "d"], 2, progress)
    assert [c.name for c in done] == ["a", "b", "c", "d"]
    assert len({c.report["pid"] for c in done} - {os.getpid()}) == 2  # two workers, neither the parent
    assert set(seen) == {"a", "b", "c", "d"} and all(v == sorted(v) and v for v in seen.values())
    assert all(v[-1] == 99 for v in seen.values())  # the end is always sent on, however soon after


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
@pytest.mark.skipif(shutil.which("ps") is None, reason="ps lists the process group")
def test_a_stopped_check_leaves_no_worker_behind(tmp_path, sig, code):
    cmd = [sys.executable, "-m", "detachcheck", "check", "--release", "all", "--jobs", "2", "--volumes", "2",
           "--requests", "2", "--reports", str(tmp_path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 30
    while len(_group(proc.pid)) < 3 and time.monotonic() < deadline:  # the parent and its two workers
        time.sleep(0.05)
    assert len(_group(proc.pid)) >= 3
    os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code and "Traceback" not in err.decode()
    deadline = time.monotonic() + 10
    while _group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _group(proc.pid) == []


def _group(pgid: int) -> list[str]:
    """The live processes of a process group (a `dot` a killed worker had started may linger as a
    zombie until init reaps it: it runs no more)."""
    out = subprocess.run(["ps", "-o", "pid=,stat=", "-g", str(pgid)], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.split() and not line.split()[1].startswith("Z")]


def test_the_pool_always_ends():
    """Thirty pools of busy workers that report progress all end (with `multiprocessing.Pool`,
    whose workers are ended by SIGTERM, they had inherited the parent's handler, raised instead of
    ending, and about one pool in a dozen hung, and the command with it)."""
    code = ("import time\n"
            "from detachcheck.checker.engine.searches.progress import Status\n"
            "from detachcheck.jobs import Checked, check_all\n"
            "def busy(name, progress):\n"
            "    start = time.perf_counter()\n"
            "    while time.perf_counter() - start < 0.01:\n"
            "        pass\n"
            "    progress(Status('searching', 1))\n"
            "    return Checked(name, name, {}, {}, 0.0, False)\n"
            "for _ in range(30):\n"
            "    done = check_all(busy, list('abcdefghi'), 2, lambda n: lambda s: None)\n"
            "    assert [c.name for c in done] == list('abcdefghi')\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the workers too: none left behind by a failed run
        proc.communicate()
        pytest.fail("check_all hung")
    assert proc.returncode == 0, err


def _killed(name: str, progress) -> Checked:
    if name == "b":
        os.kill(os.getpid(), signal.SIGKILL)  # what the kernel's out-of-memory killer does
    time.sleep(0.2)
    return Checked(name, name, {}, {}, 0.0, False)


def test_a_killed_worker_is_one_line_not_a_hang():
    from detachcheck.jobs import WorkerDied
    with pytest.raises(WorkerDied, match="--jobs 1"):
        check_all(_killed, ["a", "b", "c", "d"], 2, lambda name: lambda status: None)
    assert multiprocessing.active_children() == []


def test_a_failed_check_stops_the_others():
    with pytest.raises(ZeroDivisionError):
        check_all(_fails, ["a", "b", "c", "d"], 2, lambda name: lambda status: None)
    assert multiprocessing.active_children() == []


def _fails(name: str, progress) -> Checked:
    if name == "a":
        raise ZeroDivisionError("a bug")
    time.sleep(5)
    return Checked(name, name, {}, {}, 0.0, False)


def test_the_display_shows_a_line_per_check_in_flight():
    from io import StringIO

    from rich.console import Console

    from detachcheck.cli import _Display
    display = _Display(Console(file=StringIO(), force_terminal=True, width=200))
    display.start -= 2  # past the second a display waits before it appears
    pike, queens = display.callback("pike"), display.callback("queens")
    time.sleep(0.2)  # the check runs a while before its line first shows
    pike(Status("searching", 10))
    queens(Status("searching", 20))
    assert [t.description.split(":")[0] for t in display.bar.tasks] == ["pike", "queens"]
    assert (display.bar.tasks[0].elapsed or 0) >= 0.2  # its clock from when the check began
    pike(Status(DONE, 10))
    assert [t.description.split(":")[0] for t in display.bar.tasks] == ["queens"]
    display.stop()


def _children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return []


def _alive(pid: str) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_sigterm_as_the_workers_are_forked_leaves_none_behind():
    """SIGTERM the moment the workers exist: before the signals were held back while forking, the
    parent died before its handler was set and left its workers waiting forever."""
    code = ("import time\n"
            "from detachcheck.jobs import Checked, check_all\n"
            "def slow(name, progress):\n"
            "    time.sleep(3)\n"
            "    return Checked(name, name, {}, {}, 0.0, False)\n"
            "check_all(slow, list('abcd'), 2, lambda n: lambda s: None)\n")
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while len(kids := _children(proc.pid)) < 2 and time.monotonic() < deadline:
            pass
        os.kill(proc.pid, signal.SIGTERM)
        status = proc.wait(timeout=30)
        deadline = time.monotonic() + 5
        while any(_alive(k) for k in kids) and time.monotonic() < deadline:
            time.sleep(0.02)
        left = [k for k in kids if _alive(k)]
        for k in left:  # whatever is asserted next: nothing left running
            os.kill(int(k), signal.SIGKILL)
        assert (status, left) == (143, [])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_end_with_a_parent_killed_outright():
    code = ("import time\n"
            "from detachcheck.jobs import Checked, check_all\n"
            "def slow(name, progress):\n"
            "    time.sleep(20)\n"
            "    return Checked(name, name, {}, {}, 0.0, False)\n"
            "check_all(slow, list('abcd'), 2, lambda n: lambda s: None)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while len(kids := _children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # the workers are past their start
    os.kill(proc.pid, signal.SIGKILL)  # as the out-of-memory killer does: no handler runs
    proc.wait(timeout=30)
    deadline = time.monotonic() + 5
    while any(_alive(k) for k in kids) and time.monotonic() < deadline:
        time.sleep(0.02)
    left = [k for k in kids if _alive(k)]
    for k in left:
        os.kill(int(k), signal.SIGKILL)
    assert len(kids) == 2 and left == []
