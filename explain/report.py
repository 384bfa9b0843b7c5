"""An explanation as plain data: what the JSON output holds and the text and Markdown outputs show.

Deterministic: the same logs give the same data (no clock, no absolute path that was not given, every
list in a fixed order).
"""

from __future__ import annotations

from typing import Any

from detachcheck.explain.observe import Observation
from detachcheck.explain.pipeline import Explanation
from detachcheck.explain.verdict import judge
from detachcheck.fsm.step import INSTANCE

TEXT_LIMIT = 160


def _first_line(text: str) -> str:
    line = text.split("\n", 1)[0].strip()
    return line if len(line) <= TEXT_LIMIT else line[:TEXT_LIMIT - 3] + "..."


def _observed(e: Explanation) -> list[dict[str, Any]]:
    model = e.model
    taken: list[tuple[str, str]] = []
    chosen: dict[int, tuple[str, str]] = {}
    for p in e.search.path:
        if p.action is not None:
            a = model.actions[p.action].action
            taken.append((a.step.name, a.outcome.name))
            if p.observation is not None:
                chosen[p.observation] = taken[-1]
        elif p.observation is not None:
            alts = e.observed.observations[p.observation].alternatives
            chosen[p.observation] = next((t for t in reversed(taken) if t in alts), alts[0])
    out = []
    for i, o in enumerate(e.observed.observations):
        step, outcome = chosen.get(i, _unmatched(o))
        for r in o.records:
            out.append({"file": r.source, "line": r.line, "time": r.stamp, "request": o.request, "step": step,
                        "outcome": outcome, "matched": i in chosen, "observation": i + 1,
                        "text": _first_line(r.message)})
    return out


def _unmatched(o: Observation) -> tuple[str, str]:
    steps = list(dict.fromkeys(s for s, _ in o.alternatives))
    outcomes = list(dict.fromkeys(x for _, x in o.alternatives))
    return (steps[0] if len(steps) == 1 else " | ".join(steps)), (outcomes[0] if len(outcomes) == 1 else "|".join(
        outcomes))


def _path(e: Explanation) -> tuple[list[dict[str, Any]], list[str]]:
    """The chosen path, silent steps included, and what it had to assume."""
    model = e.model
    out: list[dict[str, Any]] = []
    assumed: list[str] = []
    for p in e.search.path:
        if p.action is None:
            if p.observation is not None:  # a line confirming a step taken before it: mark that step seen
                ob = e.observed.observations[p.observation]
                for row in reversed(out):
                    if (row["step"], row["outcome"]) in ob.alternatives and ob.request in (None, row["request"]):
                        if not row["observed"]:
                            row["observed"], row["observation"], row["note"] = True, p.observation + 1, ""
                        break
            continue
        a = model.actions[p.action].action
        keys = dict(a.keys)
        request = None
        if "req" in keys:
            q = model.system.request_ids.index(keys["req"])
            request = p.slots[q] or None
        label = f"{a.step.name}:{a.outcome.name}"
        note = ""
        if p.cost:
            if a.step.name == "operator.attach":
                note = ("assumed: the volume was attached again (attach lines are not read): the next detach "
                        "starts from the attached state")
            elif a.step.scope == INSTANCE or a.outcome.fault:
                note = "assumed: nothing in the logs shows it"
            else:
                note = "inferred: it prints a line at the logged levels that is not in the logs (an excerpt?)"
            assumed.append(f"{label}{f' (request {request})' if request else ''}: {note}")
        out.append({"step": a.step.name, "outcome": a.outcome.name, "request": request,
                    "observed": p.observation is not None,
                    "observation": None if p.observation is None else p.observation + 1, "note": note})
    return out, assumed


def _first_unmatched(e: Explanation) -> dict[str, Any] | None:
    s = e.search
    if s.fits or s.first_unmatched is None:
        return None
    o = e.observed.observations[s.first_unmatched]
    r = o.record
    wanted = ", ".join(f"{a}:{b}" for a, b in o.alternatives[:6]) + (" ..." if len(o.alternatives) > 6 else "")
    allowed = e.inference.allowed
    lacks = (f"; the logs fit {', '.join(allowed)}" if len(allowed) > 1 else "")
    reason = (f"no path of the {e.release.name} model takes {wanted} here (request {o.request}); after "
              f"{s.matched} matched line{'s' * (s.matched != 1)} the model allowed only the steps listed: a gap of "
              f"the model, or a release (a point release, a backport) the model lacks{lacks}")
    return {"file": r.source, "line": r.line, "time": r.stamp, "text": _first_line(r.message), "reason": reason,
            "enabled": s.enabled[:16]}


def build(e: Explanation, verbose: bool = False) -> dict[str, Any]:
    """The explanation as data (the JSON output)."""
    path, assumed = _path(e)
    labels = {f"{p['step']}:{p['outcome']}" for p in path}
    verdict = judge(e.model, e.search.candidates, labels, e.release, max(1, len(e.observed.requests)),
                    e.reading.instance, e.reading.volume)
    files = [{"file": s.name, "service": s.service} for s in e.reading.sources]
    data: dict[str, Any] = {
        "release": e.release.name,
        "release_evidence": e.inference.evidence,
        "volume": e.reading.volume,
        "instance": e.reading.instance,
        "files": files,
        "services": [{"service": k, "debug": v} for k, v in sorted(e.reading.services.items())],
        "lines_read": e.reading.lines,
        "requests": len(e.observed.requests),
        "observed": _observed(e),
        "path": path,
        "fits": e.search.fits,
        "first_unmatched": _first_unmatched(e),
        "assumed": assumed,
        "end_states": {"count": verdict.count, "certain": verdict.certain, "uncertain": verdict.uncertain,
                       "states": verdict.states},
        "in_flight": verdict.in_flight,
        "violated": verdict.violated,
        "at_risk": verdict.at_risk,
        "incidents": verdict.incidents,
        "recovery": verdict.recovery,
        "host_cleanup": verdict.host_cleanup,
        "recovery_note": verdict.recovery_note,
        "unrecognised": len(e.observed.unrecognised),
        "skipped": e.observed.skipped,
        "search": {"matched": e.search.matched, "nodes": e.search.nodes, "cut_short": e.search.cut_short,
                   "cost": e.search.cost},
    }
    if verbose:
        data["unrecognised_lines"] = [{"file": r.source, "line": r.line, "text": _first_line(r.text)}
                                      for r in e.observed.unrecognised]
    return data
