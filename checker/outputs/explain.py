"""A counterexample as plain text: numbered steps, each with its actor and the states it changed
(JUnit XML failures, the pytest plugin, the Python API)."""

from __future__ import annotations

from typing import Any


def counterexample_text(entry: dict[str, Any]) -> str:
    """A property's counterexample as numbered steps with actors and changed states."""
    lines = []
    if entry.get("start"):
        lines.append("from " + ", ".join(f"{k}={v}" for k, v in entry["start"].items()))
    steps = list(entry.get("path") or [])
    cycle = list(entry.get("cycle") or [])
    for s in steps + cycle:
        if cycle and s is cycle[0]:
            lines.append("then this cycle repeats forever:")
        keys = "".join(f" {k}={v}" for k, v in s["keys"].items())
        lines.append(f"{s['n']:>3}. {s['step']}:{s['outcome']}{keys}  ({s['actor']})")
        lines += [f"       {c['component']}: {c['from']} -> {c['to']}" for c in s["changes"]]
    if entry.get("cycle") == []:
        lines.append("then it stays there forever: no fair step is enabled")
    if entry.get("culprits"):
        lines.append("breaks it: " + ", ".join(f"{k}={v}" for k, v in entry["culprits"].items()))
    if entry.get("stuck"):
        stuck = entry["stuck"]
        lines.append(f"stuck: {stuck['reachable_states']} states reachable from here, none consistent; "
                     f"tried: {', '.join(stuck['tried']) or 'nothing'}")
    return "\n".join(lines)
