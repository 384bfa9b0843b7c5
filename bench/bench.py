"""Explorer benchmark: states, transitions, states/s, peak memory, per release and size.

Each size runs in a fresh subprocess so peak RSS is its own. Usage:
    python bench/bench.py [--release pike] [--sizes v1r1,v1r2,...] [--repeat 3]
Timings are the best of `--repeat` runs; memory is the child's peak RSS minus its RSS
after compiling (what the search itself holds), divided by the states explored.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time

DEFAULT_SIZES = "v1r1,v1r2,v2r1,v2r2,v1r3"


def child(release: str, volumes: int, requests: int, processes: bool) -> None:
    """Run one search and print its figures as JSON (runs in the subprocess)."""
    from detachcheck.checker.engine.compile import compile_system
    from detachcheck.checker.engine.explore import explore
    from detachcheck.fsm.releases import RELEASES
    from detachcheck.fsm.system import compose
    from detachcheck.properties import all_properties

    model = compile_system(compose(RELEASES[release], volumes, requests, processes=processes))
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    run = explore(model, all_properties())
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"states": len(run.states), "transitions": run.transitions, "depth": max(run.depth),
                      "seconds": seconds, "peak_kib": peak, "search_kib": peak - base,
                      "actions": len(model.actions)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default="all", help="a release name, or all")
    parser.add_argument("--sizes", default=DEFAULT_SIZES)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--detach-only", action="store_true", help="no instance operations")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]), args.child[3] == "1")
        return
    from detachcheck.fsm.releases import RELEASES
    releases = list(RELEASES) if args.release == "all" else [args.release]
    print(f"# detachcheck explorer benchmark: Python {platform.python_version()}, {platform.machine()}")
    header = ("release", "size", "actions", "states", "transitions", "depth", "seconds", "states/s",
              "peak MiB", "bytes/state")
    print(" | ".join(header))
    for release in releases:
        for size in args.sizes.split(","):
            volumes, requests = (int(x) for x in size[1:].split("r"))
            runs = []
            for _ in range(args.repeat):
                cmd = [sys.executable, __file__, "--child", release, str(volumes), str(requests),
                       "0" if args.detach_only else "1"]
                runs.append(json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout))
            best = min(runs, key=lambda r: r["seconds"])
            rate = best["states"] / best["seconds"] if best["seconds"] else float("inf")
            per_state = best["search_kib"] * 1024 / best["states"]
            print(" | ".join(str(x) for x in (
                release, size + ("-detach-only" if args.detach_only else ""), best["actions"], best["states"],
                best["transitions"], best["depth"], f"{best['seconds']:.3f}", f"{rate:,.0f}",
                f"{best['peak_kib'] / 1024:.1f}", f"{per_state:.0f}")), flush=True)


if __name__ == "__main__":
    main()
