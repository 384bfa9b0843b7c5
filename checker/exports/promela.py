"""Export a compiled model to Promela, so SPIN can explore the same state space.

The export is the compiled tables, one atomic guarded statement per bound action in a
single loop, over a byte array of slot values. It carries no properties: it exists to
compare state counts and speed with SPIN (bench/bench_spin.py), an independent check that
the explorer sees exactly the states the tables define.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

from detachcheck.checker.engine.compile import CompiledModel


def _guard(checks: tuple[tuple[int, frozenset[int]], ...]) -> str:
    parts = ["(" + " || ".join(f"s[{slot}] == {v}" for v in sorted(ok)) + ")" for slot, ok in checks]
    return " && ".join(parts) or "true"


def _write(slot: int, table: tuple[int, ...], allowed: frozenset[int] | None) -> str:
    """`s[slot] = table[s[slot]]` for the values the guard lets through, as a Promela if."""
    values = sorted(allowed) if allowed is not None else range(len(table))
    arms = [f":: s[{slot}] == {v} -> s[{slot}] = {table[v]}" for v in values if table[v] != v]
    if not arms:
        return ""
    return "if " + " ".join(arms) + " :: else -> skip fi"


def to_promela(model: CompiledModel) -> str:
    """The whole model as one Promela process."""
    n = len(model.system.slots)
    lines = [f"/* detachcheck: {model.system.release.name}, {model.system.volumes} data volume(s), "
             f"{model.system.requests} request(s); {len(model.actions)} actions */",
             f"byte s[{n}];", "", "active proctype system() {"]
    inits = model.initials
    if len(inits) == 1:
        lines.append("    d_step { " + " ".join(f"s[{i}] = {v};" for i, v in enumerate(inits[0])) + " }")
    else:
        lines.append("    if")
        for init in inits:
            lines.append("    :: d_step { " + " ".join(f"s[{i}] = {v};" for i, v in enumerate(init)) + " }")
        lines.append("    fi;")
    lines.append("end:")
    lines.append("    do")
    for ca in model.actions:
        allowed = dict(ca.checks)
        writes = [w for slot, table in ca.writes if (w := _write(slot, table, allowed.get(slot)))]
        body = "; ".join(writes) if writes else "skip"
        lines.append(f"    :: atomic {{ {_guard(ca.checks)} -> {body} }} /* {ca.label} */")
    lines.append("    od")
    lines.append("}")
    return "\n".join(lines) + "\n"


def spin_states(source: str, workdir: Path) -> tuple[int, int, float]:
    """(states stored, transitions, seconds) reported by a SPIN run of the model."""
    (workdir / "model.pml").write_text(source)
    subprocess.run(["spin", "-a", "model.pml"], cwd=workdir, check=True, capture_output=True)
    subprocess.run(["gcc", "-O2", "-DNOREDUCE", "-DSAFETY", "-o", "pan", "pan.c"], cwd=workdir, check=True,
                   capture_output=True)
    start = time.perf_counter()
    out = subprocess.run(["./pan", "-m100000", "-w24"], cwd=workdir, check=True, capture_output=True,
                         text=True).stdout
    seconds = time.perf_counter() - start
    stored = int(re.search(r"(\d+) states, stored", out).group(1))
    trans = int(re.search(r"(\d+) transitions", out).group(1))
    return stored, trans, seconds
