"""Lifecycle diagrams, drawn from the same declarations by transitions' GraphMachine."""

from __future__ import annotations

from pathlib import Path

from fsm.instance import INSTANCE
from fsm.lifecycle import Lifecycle
from fsm.releases import RELEASES
from fsm.system import VOLUME_LIFECYCLES


def lifecycles(release: str = "pike") -> list[Lifecycle]:
    """Every lifecycle of the model, the release's request lifecycle last."""
    return [*VOLUME_LIFECYCLES, INSTANCE, RELEASES[release].request()]


def dot_source(lifecycle: Lifecycle) -> str:
    """The DOT source of a lifecycle's diagram."""
    return lifecycle.graph_machine().get_graph().source


def write_diagrams(out: Path, release: str = "pike", svg: bool = True) -> list[Path]:
    """Write `<name>.dot` (and `<name>.svg` with Graphviz's dot) for every lifecycle."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for lc in lifecycles(release):
        graph = lc.graph_machine().get_graph()
        dot_path = out / f"{lc.name}.dot"
        dot_path.write_text(graph.source)
        written.append(dot_path)
        if svg:
            svg_path = out / f"{lc.name}.svg"
            svg_path.write_bytes(graph.pipe(format="svg"))
            written.append(svg_path)
    return written
