"""Engine benchmark: states/s of the search alone and of the whole check, and memory per state.

Each measurement runs in a fresh subprocess. Usage:
    python bench/bench.py [--cases pike:v1r3,queens:v1r3,pike:v2r3:sym] [--repeat 1]
A case is release:vVrR with optional flags :sym (symmetry reduction), :detach-only, :nocheck (skip
the whole check), :tuple (the reference tuple explorer). Figures:
- search s, states/s: `search` with no property (as SPIN runs), distinct states stored / seconds;
- check s, states/s: `run_check` with every property kind (always, at_rest, deadlock, sometimes,
  liveness, recoverable with its own operator search), same states / seconds;
- search B/state: tracemalloc peak during the search / states (numpy reports its buffers), and the
  RSS growth (ru_maxrss after - before) / states;
- check B/state: tracemalloc peak during the whole check / states.
With symmetry the states are the reduced ones; `full` is what they stand for.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
import tracemalloc

DEFAULT_CASES = "pike:v1r3,queens:v1r3,pike:v1r3:sym,queens:v1r3:sym,pike:v2r3:sym,queens:v2r3:sym,pike:v3r3:sym"


def child(kind: str, release: str, volumes: int, requests: int, flags: set[str]) -> dict:
    """One measurement (runs in the subprocess)."""
    from detachcheck.checker.engine.compiled.compile import compile_system
    from detachcheck.checker.engine.compiled.pack import packing_for
    from detachcheck.checker.engine.compiled.symmetry import symmetry_for
    from detachcheck.checker.engine.graphs.unfold import full_count
    from detachcheck.checker.engine.searches.explore import explore
    from detachcheck.checker.engine.searches.search import search
    from detachcheck.checker.run import run_check
    from detachcheck.fsm.releases import RELEASES
    from detachcheck.fsm.system import compose

    processes = "detach-only" not in flags
    symmetric = "sym" in flags
    model = compile_system(compose(RELEASES[release], volumes, requests, processes=processes))
    sym = symmetry_for(model, packing_for(model)) if symmetric else None
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if kind in ("search", "search-memory"):
        if kind == "search-memory":
            tracemalloc.start()
        start = time.perf_counter()
        run = explore(model, []) if "tuple" in flags else search(model, [], symmetry=sym)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] if kind == "search-memory" else 0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0
        full = full_count(run, sym) if sym is not None else len(run.states)
        return {"states": len(run.states), "full": full, "transitions": run.transitions, "seconds": seconds,
                "peak": peak, "rss": rss * 1024, "depth": max(run.depth)}
    if kind == "check-memory":
        tracemalloc.start()
    start = time.perf_counter()
    result = run_check(release, volumes, requests, processes=processes, symmetry=symmetric,
                       engine="tuple" if "tuple" in flags else "frontier")
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if kind == "check-memory" else 0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0
    return {"states": result.report["search"]["states"], "seconds": seconds, "peak": peak, "rss": rss * 1024,
            "verdicts": sorted({p["verdict"] for p in result.report["properties"]})}


def measure(kind: str, case: str) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, case]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def parse(case: str) -> tuple[str, int, int, set[str]]:
    release, size, *flags = case.split(":")
    volumes, requests = (int(x) for x in size[1:].split("r"))
    return release, volumes, requests, set(flags)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=DEFAULT_CASES)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        release, volumes, requests, flags = parse(args.child[1])
        print(json.dumps(child(args.child[0], release, volumes, requests, flags)))
        return
    print(f"# detachcheck engine benchmark: Python {platform.python_version()}, {platform.machine()}")
    header = ("case", "states", "full states", "depth", "search s", "search states/s", "check s", "check states/s",
              "search peak B/state", "search RSS B/state", "check peak B/state", "check/search peak")
    print(" | ".join(header), flush=True)
    for case in args.cases.split(","):
        flags = parse(case)[3]
        search = min((measure("search", case) for _ in range(args.repeat)), key=lambda r: r["seconds"])
        memory = measure("search-memory", case)
        n = search["states"]
        row = [case, n, search["full"], search["depth"], f"{search['seconds']:.2f}", f"{n / search['seconds']:,.0f}"]
        if "nocheck" in flags:
            row += ["", "", f"{memory['peak'] / n:.1f}", f"{memory['rss'] / n:.1f}", "", ""]
        else:
            check = min((measure("check", case) for _ in range(args.repeat)), key=lambda r: r["seconds"])
            check_memory = measure("check-memory", case)
            row += [f"{check['seconds']:.2f}", f"{n / check['seconds']:,.0f}", f"{memory['peak'] / n:.1f}",
                    f"{memory['rss'] / n:.1f}", f"{check_memory['peak'] / n:.1f}",
                    f"{check_memory['peak'] / max(memory['peak'], 1):.1f}x"]
        print(" | ".join(str(x) for x in row), flush=True)


if __name__ == "__main__":
    main()
