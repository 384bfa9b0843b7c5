"""Rewrite tests/state_counts.json from the current model (run on purpose, then review the diff)."""

from __future__ import annotations

import json
from pathlib import Path

from detachcheck.checker.engine.compile import compile_system
from detachcheck.checker.engine.explore import explore
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import compose

SIZES = [(1, 1, True), (1, 2, True), (2, 1, True), (1, 2, False), (1, 3, False)]


def main() -> None:
    pinned: dict[str, dict[str, dict[str, int]]] = {}
    for name, release in sorted(RELEASES.items()):
        pinned[name] = {}
        for volumes, requests, processes in SIZES:
            run = explore(compile_system(compose(release, volumes, requests, processes=processes)), [])
            key = f"v{volumes}r{requests}" + ("" if processes else "-detach-only")
            pinned[name][key] = {"states": len(run.states), "transitions": run.transitions,
                                                      "depth": max(run.depth)}
    path = Path(__file__).resolve().parent.parent / "tests" / "state_counts.json"
    path.write_text(json.dumps(pinned, indent=2, sort_keys=True) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
