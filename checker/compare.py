"""Compare two checks of the same scenario: what a change (a fix, a regression) does."""

from __future__ import annotations

from typing import Any

from detachcheck.checker.outputs.report import UNKNOWN, state_dict
from detachcheck.checker.run import CheckResult

UNSETTLED = "unsettled"
"""A row where either side is `unknown` (its search was stopped): never reported as a flip."""


def named_states(result: CheckResult) -> set[tuple[tuple[str, str], ...]]:
    """Every reachable state by slot label and value name (comparable across releases)."""
    ex = result.exploration
    return {tuple(sorted(state_dict(ex, i).items())) for i in range(len(ex.states))}


def compare(base: CheckResult, variant: CheckResult) -> dict[str, Any]:
    """Verdict flips, counterexamples that vanish or appear, and the states gained and lost; a row
    with an `unknown` side (a search stopped by --max-states) is `unsettled`, never a flip."""
    b = {p["id"]: p for p in base.report["properties"]}
    v = {p["id"]: p for p in variant.report["properties"]}
    rows = []
    for pid in b:
        old, new = b[pid], v[pid]
        change = "same"
        if UNKNOWN in (old["verdict"], new["verdict"]):
            rows.append({"id": pid, "kind": old["kind"], "base": old["verdict"], "variant": new["verdict"],
                         "base_length": old["length"], "variant_length": new["length"], "change": UNSETTLED,
                         "vanished": None, "appeared": None})
            continue
        if old["verdict"] != new["verdict"]:
            change = "flips"
        elif old["length"] != new["length"] or _steps(old) != _steps(new):
            change = "path changes"
        rows.append({"id": pid, "kind": old["kind"], "base": old["verdict"], "variant": new["verdict"],
                     "base_length": old["length"], "variant_length": new["length"], "change": change,
                     "vanished": old["path"] if old["path"] and not new["path"] else None,
                     "appeared": new["path"] if new["path"] and not old["path"] else None})
    base_states, variant_states = named_states(base), named_states(variant)
    return {
        "base": base.report["release"], "variant": variant.report["release"],
        "scenario": {k: base.report["scenario"][k] for k in ("volumes", "requests", "operator", "processes")},
        "search": {"max_states": base.report["search"]["max_states"],
                   "complete": {"base": base.report["search"]["complete"],
                                "variant": variant.report["search"]["complete"]}},
        "properties": rows,
        "states": {"base": len(base_states), "variant": len(variant_states),
                   "gained": len(variant_states - base_states), "lost": len(base_states - variant_states)},
        "incidents": [{"id": i["id"], "base": i["verdict"], "variant": j["verdict"],
                       "base_length": i["length"], "variant_length": j["length"]}
                      for i, j in zip(base.report["incidents"], variant.report["incidents"], strict=True)],
    }


def _steps(entry: dict[str, Any]) -> list[str]:
    return [f"{s['step']}:{s['outcome']}" for s in entry["path"] or []]
