"""Lifecycle diagrams, drawn from the same declarations by transitions' GraphMachine."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from detachcheck.checker.outputs.files import write_atomic
from detachcheck.fsm.lifecycle import Lifecycle
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import INSTANCE_LIFECYCLES, VOLUME_LIFECYCLES

NO_DOT = "Graphviz's `dot` is not on PATH: install Graphviz (Debian: apt-get install graphviz)"


def graphviz_missing() -> str | None:
    """Why Graphviz drawings cannot be made here (`dot` is not on PATH), or None when they can."""
    return None if shutil.which("dot") else NO_DOT


def lifecycles() -> list[Lifecycle]:
    """Every lifecycle of the model; the request lifecycle once per release (`request-<release>`)."""
    requests = [replace(rel.request(), name=f"request-{name}") for name, rel in RELEASES.items()]
    return [*VOLUME_LIFECYCLES, *INSTANCE_LIFECYCLES, *requests]


def dot_source(lifecycle: Lifecycle) -> str:
    """The DOT source of a lifecycle's diagram."""
    return lifecycle.graph_machine().get_graph().source


def write_diagrams(out: Path, svg: bool = True) -> list[Path]:
    """Write `<name>.dot` (and `<name>.svg` with Graphviz's dot) for every lifecycle, each atomically."""
    written = []
    for lc in lifecycles():
        graph = lc.graph_machine().get_graph()
        dot_path = out / f"{lc.name}.dot"
        write_atomic(dot_path, graph.source)
        written.append(dot_path)
        if svg:
            svg_path = out / f"{lc.name}.svg"
            write_atomic(svg_path, graph.pipe(format="svg"))
            written.append(svg_path)
    return written
