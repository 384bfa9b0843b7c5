"""How likely is a counterexample: does it need a narrow window?

A synchronous section is a run of one request's steps that one thread executes without waiting
(`Step.sync`: nova-api's handling of one DELETE, from reading the instance to the RPC cast or to
the end of the shelved-offloaded clean-up; milliseconds). A path needs a *narrow window* when a
`slow` or `process` step (`Step.duration`) of another actor runs while a request is inside such a
section: a whole unshelve, tens of seconds, inside one detach API request. The likely model
(`compose(..., likely=True)`) closes every such window; its shortest counterexample is the
shortest *likely* one.
"""

from __future__ import annotations

from typing import Any

from detachcheck.checker.engine.searches.explore import Exploration
from detachcheck.fsm.request import inside_sync
from detachcheck.fsm.step import PROCESS, SLOW

LIKELY = "likely"
NARROW = "narrow window"
NARROW_ONLY = "narrow window only"


def window(exploration: Exploration, states: list[int], actions: list[int]) -> str | None:
    """The first narrow window along a path (the state before each step, and the step), in words;
    None when the path needs none."""
    model = exploration.model
    system = model.system
    inside = inside_sync(system.release.steps())
    pcs = [(q, system.slot_index("request", q)) for q in system.request_ids]
    for sid, ai in zip(states, actions, strict=True):
        action = model.actions[ai].action
        if action.step.duration not in (SLOW, PROCESS):
            continue
        own = dict(action.keys).get("req")
        state = exploration.states[sid]
        for q, i in pcs:
            if q != own and system.slots[i].values[state[i]] in inside:
                size = "a whole" if action.step.duration == PROCESS else "a slow"
                whose = f" (request {own})" if own else ""
                return (f"{size} `{action.step.name}`{whose} inside request {q}'s detach API call "
                        "(one nova-api thread, a few ms)")
    return None


def likelihood(window_text: str | None, likely_entry: dict[str, Any] | None, length: int) -> dict[str, Any]:
    """A counterexample's likelihood: `likely` when a shortest path (`length` steps) needs no narrow
    window; otherwise `narrow window` with the shortest likely path, or `narrow window only`."""
    if window_text is None:
        return {"verdict": LIKELY, "window": None, "likely_length": None, "likely_start": None, "likely_path": None}
    found = likely_entry is not None and likely_entry["path"] is not None
    verdict = (LIKELY if likely_entry["length"] <= length else NARROW) if found else NARROW_ONLY  # type: ignore[index]
    return {"verdict": verdict, "window": window_text,
            "likely_length": likely_entry["length"] if found else None,
            "likely_start": likely_entry["start"] if found else None,
            "likely_path": likely_entry["path"] if found else None}


def short(entry: dict[str, Any]) -> str:
    """One cell: `likely`, `narrow window (likely in 9)`, `narrow window only`."""
    lk = entry.get("likelihood")
    if not lk:
        return ""
    if lk["verdict"] == NARROW:
        return f"narrow window (likely in {lk['likely_length']})"
    return lk["verdict"]
