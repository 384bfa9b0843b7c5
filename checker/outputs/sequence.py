"""Sequence diagrams of a counterexample across the actors: Mermaid text and Graphviz SVG."""

from __future__ import annotations

from typing import Any

import graphviz

from detachcheck.checker.outputs.report import ACTORS

_IDS = {"operator": "op", "nova-api": "api", "nova-compute": "compute", "libvirt/guest": "guest",
        "os-brick": "brick", "cinder": "cinder", "storage array": "array"}


def messages(steps: list[dict[str, Any]]) -> list[tuple[str, str, str, bool]]:
    """(from actor, to actor, label, fault) for each step: one arrow per actor whose state it changed."""
    out = []
    for s in steps:
        label = f"{s['n']}. {s['step']}" + ("" if s["outcome"] == "ok" else f":{s['outcome']}")
        for target in s["targets"] or [s["caller"]]:
            out.append((s["caller"], target, label, s["fault"]))
    return out


def participants(entry: dict[str, Any]) -> list[str]:
    """The actors a counterexample involves, in a fixed order."""
    used = {a for s in (entry["path"] or []) + (entry.get("cycle") or []) for a in (s["caller"], *s["targets"])}
    return [a for a in ACTORS if a in used]


def _breaks(entry: dict[str, Any]) -> str:
    parts = ", ".join(f"{k}={v}" for k, v in (entry.get("culprits") or {}).items())
    return f"breaks {entry['id']}" + (f": {parts}" if parts else "")


def mermaid(entry: dict[str, Any]) -> str:
    """A Mermaid `sequenceDiagram` of a property's counterexample (renders on GitHub and GitLab)."""
    lines = ["sequenceDiagram"]
    for actor in participants(entry):
        lines.append(f"    participant {_IDS[actor]} as {actor}")
    for src, dst, label, fault in messages(entry["path"] or []):
        lines.append(f"    {_IDS[src]}{'-x' if fault else '->>'}{_IDS[dst]}: {label}")
    last = (entry["path"] or [{}])[-1]
    anchor = _IDS[(last.get("targets") or [last.get("caller", "nova-api")])[0]]
    if entry.get("cycle") is not None:
        if entry["cycle"]:
            lines.append("    loop forever (a fair cycle)")
            for src, dst, label, fault in messages(entry["cycle"]):
                lines.append(f"        {_IDS[src]}{'-x' if fault else '->>'}{_IDS[dst]}: {label}")
            lines.append("    end")
        else:
            lines.append(f"    Note over {anchor}: stays here forever: no fair step is enabled")
    lines.append(f"    Note over {anchor}: {_breaks(entry)}")
    return "\n".join(lines) + "\n"


def _graph(entry: dict[str, Any]) -> graphviz.Digraph:
    actors = participants(entry)
    rows = [*messages(entry["path"] or []), *messages(entry.get("cycle") or [])]
    cycle_from = len(messages(entry["path"] or []))
    g = graphviz.Digraph("sequence", graph_attr={"rankdir": "TB", "nodesep": "1.2", "ranksep": "0.25",
                                                 "newrank": "true", "fontname": "Helvetica"},
                         node_attr={"fontname": "Helvetica", "fontsize": "10"},
                         edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    with g.subgraph(name="head") as head:
        head.attr(rank="same")
        for a in actors:
            head.node(f"{_IDS[a]}_0", a, shape="box", style="filled", fillcolor="#eeeeff")
        for a, b in zip(actors, actors[1:], strict=False):  # keep the actors in their fixed order
            head.edge(f"{_IDS[a]}_0", f"{_IDS[b]}_0", style="invis")
    for r in range(1, len(rows) + 2):
        with g.subgraph(name=f"row{r}") as row:
            row.attr(rank="same")
            for a in actors:
                row.node(f"{_IDS[a]}_{r}", "", shape="point", width="0.01")
    for a in actors:
        for r in range(len(rows) + 1):
            g.edge(f"{_IDS[a]}_{r}", f"{_IDS[a]}_{r + 1}", arrowhead="none", style="dashed", color="#999999")
    for r, (src, dst, label, fault) in enumerate(rows, start=1):
        color = "red" if fault else ("#aa6600" if r > cycle_from else "black")
        if src == dst:
            g.edge(f"{_IDS[src]}_{r}", f"{_IDS[dst]}_{r + 1}", xlabel=label, color=color, fontcolor=color)
        else:
            g.edge(f"{_IDS[src]}_{r}", f"{_IDS[dst]}_{r}", label=label, constraint="false", color=color,
                   fontcolor=color)
    last = len(rows) + 1
    g.node("breaks", _breaks(entry) + (" (cycle in orange repeats forever)" if entry.get("cycle") else ""),
           shape="note", style="filled", fillcolor="#ffdddd", fontsize="10")
    g.edge(f"{_IDS[actors[0]]}_{last}", "breaks", style="invis")
    return g


def dot(entry: dict[str, Any]) -> str:
    """The same sequence diagram as Graphviz DOT source (drawn by `drawing.svg_of`)."""
    return _graph(entry).source
