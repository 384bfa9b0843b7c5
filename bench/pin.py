"""Rewrite tests/state_counts.json from the current model (run on purpose, then review the diff).

Per release and size: the full search's states, transitions and depth, and the symmetry-reduced
search's states and transitions (one state per permutation of data volumes and requests).
"""

from __future__ import annotations

import json
from pathlib import Path

from detachcheck.checker.engine.compiled.compile import compile_system
from detachcheck.checker.engine.compiled.pack import packing_for
from detachcheck.checker.engine.compiled.symmetry import symmetry_for
from detachcheck.checker.engine.searches.search import search
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import compose

SIZES = [(1, 1, True), (1, 2, True), (2, 1, True), (1, 2, False), (1, 3, False)]


def figures(release: str, volumes: int, requests: int, processes: bool) -> dict[str, int]:
    """The pinned figures of one release and size."""
    model = compile_system(compose(RELEASES[release], volumes, requests, processes=processes))
    run = search(model, [])
    reduced = search(model, [], symmetry=symmetry_for(model, packing_for(model)))
    return {"states": len(run.states), "transitions": run.transitions, "depth": max(run.depth),
            "reduced_states": len(reduced.states), "reduced_transitions": reduced.transitions}


def main() -> None:
    pinned: dict[str, dict[str, dict[str, int]]] = {}
    for name in sorted(RELEASES):
        pinned[name] = {}
        for volumes, requests, processes in SIZES:
            key = f"v{volumes}r{requests}" + ("" if processes else "-detach-only")
            pinned[name][key] = figures(name, volumes, requests, processes)
    path = Path(__file__).resolve().parent.parent / "tests" / "state_counts.json"
    path.write_text(json.dumps(pinned, indent=2, sort_keys=True) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
