"""Hypothesis stateful benchmark: rule steps per second and examples per second, per release.

    python bench/bench_stateful.py [--examples 200] [--steps 50]

The explorer's reference for each scenario is computed before timing starts.
"""

from __future__ import annotations

import argparse
import platform
import time

from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from detachcheck.checker.stateful import SIZES, Stats, machine_class, reference
from detachcheck.fsm.releases import RELEASES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--steps", type=int, default=50)
    args = parser.parse_args()
    print(f"# detachcheck stateful benchmark: Python {platform.python_version()}, {platform.machine()}, "
          f"{args.examples} examples x {args.steps} steps, derandomized")
    print("release | examples | steps | seconds | steps/s | examples/s | distinct states | outcomes")
    for name, release in RELEASES.items():
        for volumes, requests in SIZES:
            reference(release, volumes, requests)
        stats = Stats()
        cls = machine_class({name: release}, stats=stats)
        conf = settings(max_examples=args.examples, stateful_step_count=args.steps, deadline=None,
                        derandomize=True, database=None, suppress_health_check=list(HealthCheck))
        start = time.perf_counter()
        run_state_machine_as_test(cls, settings=conf)
        seconds = time.perf_counter() - start
        print(f"{name} | {stats.examples} | {stats.steps} | {seconds:.2f} | {stats.steps / seconds:,.0f} | "
              f"{stats.examples / seconds:,.1f} | {len(stats.states)} | {len(stats.outcomes)}", flush=True)


if __name__ == "__main__":
    main()
