"""Compare two checks of the same scenario: what a change (a fix, a regression) does."""

from __future__ import annotations

from typing import Any

import numpy as np

from detachcheck.checker.outputs.report import UNKNOWN
from detachcheck.checker.run import CheckResult

UNSETTLED = "unsettled"
"""A row where either side is `unknown` (its search was stopped): never reported as a flip."""


def shared_states(base: CheckResult, variant: CheckResult) -> int:
    """How many states the two searches share, by slot label and value name: each state as a row
    of value codes (slots in label order, names coded over both models), rows compared whole."""
    slots_b, slots_v = base.exploration.model.system.slots, variant.exploration.model.system.slots
    if sorted(s.label for s in slots_b) != sorted(s.label for s in slots_v):
        return 0  # a state names every slot: no state of one is a state of the other
    vocab: dict[str, dict[str, int]] = {}
    for slot in [*slots_b, *slots_v]:
        names = vocab.setdefault(slot.label, {})
        for name in slot.values:
            names.setdefault(name, len(names))
    rows_b, rows_v = _rows(base, vocab), _rows(variant, vocab)
    return len(np.intersect1d(rows_b, rows_v, assume_unique=True))


def _rows(result: CheckResult, vocab: dict[str, dict[str, int]]) -> np.ndarray:
    """Each state as one opaque row of value codes, slots in label order (see `shared_states`)."""
    slots = result.exploration.model.system.slots
    order = sorted(range(len(slots)), key=lambda i: slots[i].label)
    states = result.exploration.states
    if hasattr(states, "values"):  # packed (the frontier engine): slots x states, no tuple a state
        values = states.values()
    else:
        values = np.array(list(states), dtype=np.int64).reshape(-1, len(slots)).T
    codes = np.empty((values.shape[1], len(slots)), dtype=np.uint16)
    for column, i in enumerate(order):
        lut = np.array([vocab[slots[i].label][name] for name in slots[i].values], dtype=np.uint16)
        codes[:, column] = lut[values[i]]
    return codes.view(np.dtype((np.void, 2 * len(slots)))).ravel()


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
    n_base, n_variant = len(base.exploration.states), len(variant.exploration.states)
    shared = shared_states(base, variant)
    return {
        "base": base.report["release"], "variant": variant.report["release"],
        "scenario": {k: base.report["scenario"][k] for k in ("volumes", "requests", "operator", "processes")},
        "search": {"max_states": base.report["search"]["max_states"],
                   "complete": {"base": base.report["search"]["complete"],
                                "variant": variant.report["search"]["complete"]}},
        "properties": rows,
        "states": {"base": n_base, "variant": n_variant, "gained": n_variant - shared, "lost": n_base - shared},
        "incidents": [{"id": i["id"], "base": i["verdict"], "variant": j["verdict"],
                       "base_length": i["length"], "variant_length": j["length"]}
                      for i, j in zip(base.report["incidents"], variant.report["incidents"], strict=True)],
    }


def _steps(entry: dict[str, Any]) -> list[str]:
    return [f"{s['step']}:{s['outcome']}" for s in entry["path"] or []]
