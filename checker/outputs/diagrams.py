"""Lifecycle diagrams, drawn from the same declarations by transitions' GraphMachine."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from detachcheck.fsm.lifecycle import Lifecycle
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import INSTANCE_LIFECYCLES, VOLUME_LIFECYCLES


def lifecycles() -> list[Lifecycle]:
    """Every lifecycle of the model; the request lifecycle once per release (`request-<release>`)."""
    requests = [replace(rel.request(), name=f"request-{name}") for name, rel in RELEASES.items()]
    return [*VOLUME_LIFECYCLES, *INSTANCE_LIFECYCLES, *requests]


def dot_source(lifecycle: Lifecycle) -> str:
    """The DOT source of a lifecycle's diagram."""
    return lifecycle.graph_machine().get_graph().source


def write_diagrams(out: Path, svg: bool = True) -> list[Path]:
    """Write `<name>.dot` (and `<name>.svg` with Graphviz's dot) for every lifecycle."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for lc in lifecycles():
        graph = lc.graph_machine().get_graph()
        dot_path = out / f"{lc.name}.dot"
        dot_path.write_text(graph.source)
        written.append(dot_path)
        if svg:
            svg_path = out / f"{lc.name}.svg"
            svg_path.write_bytes(graph.pipe(format="svg"))
            written.append(svg_path)
    return written
