"""The same compiled model in SPIN: state counts (an independent check) and speed.

    python bench/bench_spin.py [--release pike] [--sizes v1r1,v1r2,v1r3]

Needs `spin` and `gcc` (Debian: apt-get install spin). SPIN runs exhaustive search, no
properties, with the end label on the loop so that terminal states are not errors.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from detachcheck.checker.engine.compile import compile_system
from detachcheck.checker.engine.search import search
from detachcheck.checker.exports.promela import spin_states, to_promela
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import compose


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default="pike")
    parser.add_argument("--sizes", default="v1r1,v1r2,v1r3")
    args = parser.parse_args()
    if shutil.which("spin") is None or shutil.which("gcc") is None:
        raise SystemExit("bench_spin: needs spin and gcc (apt-get install spin gcc)")
    print("release | size | detachcheck states | spin states stored | detachcheck s (no properties) | spin s | "
          "detachcheck states/s | spin states/s")
    for size in args.sizes.split(","):
        volumes, requests = (int(x) for x in size[1:].split("r"))
        model = compile_system(compose(RELEASES[args.release], volumes, requests))
        start = time.perf_counter()
        run = search(model, [])
        ours = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as tmp:
            stored, _, spin_s = spin_states(to_promela(model), Path(tmp))
        n = len(run.states)
        print(f"{args.release} | {size} | {n} | {stored} | {ours:.3f} | {spin_s:.3f} | {n / ours:,.0f} | "
              f"{stored / spin_s:,.0f}", flush=True)


if __name__ == "__main__":
    main()
