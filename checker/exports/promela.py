"""Export a compiled model to Promela, so SPIN can explore the same state space.

One `mtype` variable per slot (the symbols are `<component>_<value>`, the value names in
comments). One loop takes one atomic step per iteration: with properties, `check()` first
(per property a `hidden` flag, outside the state vector so state counts stay those of the
tables, is set to the tabulated invariant and asserted, so `pan -c0` names each violated
property), then one enabled compiled action (guard, then writes, its step label as a
comment), or `else` stays put when none is enabled. Every stored state is expanded once, so
every reachable state is checked once, and the code is not repeated per action. SPIN stores
one state more than the explorer: the one before the initial assignment.
"""

from __future__ import annotations

from detachcheck.checker.engine.compiled.compile import CompiledModel
from detachcheck.checker.exports.invariants import ExportedProperties
from detachcheck.checker.exports.names import PROMELA_RESERVED, slot_names, value_symbols
from detachcheck.checker.exports.tabulate import Cube, Table


class _Writer:
    def __init__(self, model: CompiledModel) -> None:
        self.model = model
        self.slots = model.system.slots
        self.var = slot_names(model.system, PROMELA_RESERVED)
        self.sym = value_symbols(model.system, PROMELA_RESERVED | set(self.var) | {"AT_REST"})

    def literal(self, slot: int, allowed: frozenset[int]) -> str:
        x = self.var[slot]
        rest = sorted(set(range(len(self.slots[slot].values))) - allowed)
        if len(allowed) <= len(rest):
            parts = [f"{x} == {self.sym[slot][v]}" for v in sorted(allowed)]
            return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"
        parts = [f"{x} != {self.sym[slot][v]}" for v in rest]
        return parts[0] if len(parts) == 1 else "(" + " && ".join(parts) + ")"

    def guard(self, checks: tuple[tuple[int, frozenset[int]], ...]) -> str:
        full = [len(self.slots[s].values) for s, _ in checks]
        return " && ".join(self.literal(s, ok) for (s, ok), n in zip(checks, full, strict=True) if len(ok) < n) \
            or "true"

    def cube(self, cube: Cube) -> str:
        return " && ".join(self.literal(s, v) for s, v in cube.literals) or "true"

    def never(self, table: Table) -> str:
        """The table's predicate: no violating cube matches."""
        return " && ".join(f"!({self.cube(c)})" for c in table.violations) or "true"

    def write(self, slot: int, table: tuple[int, ...], allowed: frozenset[int] | None) -> str:
        """The slot's next value for the values the guard lets through ("" when it never changes)."""
        x = self.var[slot]
        values = sorted(allowed) if allowed is not None else range(len(table))
        changed = [(v, table[v]) for v in values if table[v] != v]
        if not changed:
            return ""
        if len({table[v] for v in values}) == 1:
            return f"{x} = {self.sym[slot][changed[0][1]]}"
        arms = " ".join(f":: {x} == {self.sym[slot][v]} -> {x} = {self.sym[slot][n]}" for v, n in changed)
        return f"if {arms} :: else -> skip fi"

    def assign(self, state: tuple[int, ...]) -> str:
        return " ".join(f"{self.var[i]} = {self.sym[i][v]};" for i, v in enumerate(state))

    def mtypes(self) -> list[str]:
        lines, seen = [], set()
        for slot in self.slots:
            if slot.component in seen:
                continue
            seen.add(slot.component)
            syms = self.sym[self.slots.index(slot)]
            lines.append(f"mtype = {{ {', '.join(syms)} }}; /* {slot.component}: "
                         + ", ".join(slot.values).replace("*/", "* /") + " */")
        return lines


def to_promela(model: CompiledModel, props: ExportedProperties | None = None) -> str:
    """The whole model as one Promela process, asserting `props` in every state when given."""
    w = _Writer(model)
    system = model.system
    lines = [f"/* detachcheck export: release {system.release.name}, {system.volumes} data volume(s), "
             f"{system.requests} request(s), operator steps {'on' if system.operator else 'off'}, instance "
             f"operations {'on' if system.processes else 'off'}; {len(model.actions)} actions. Generated from the "
             "compiled tables by `detachcheck export`: do not edit. */", ""]
    lines += w.mtypes() + [""]
    lines += [f"mtype {v};{' ' * max(1, 28 - len(v))}/* {s.label} */" for v, s in zip(w.var, w.slots, strict=True)]
    check = ""
    if props is not None:
        lines += ["", f"/* no request in flight: each is idle or ended */\n#define AT_REST ({w.never(props.at_rest)})"]
        body = []
        for inv in props.invariants:
            pid = inv.prop.id
            lines.append(f"hidden byte {pid}; /* {inv.prop.kind}: {inv.prop.meaning.replace('*/', '* /')} */")
            expr = w.never(inv.table)
            body.append(f"    {pid} = " + (f"(!AT_REST || ({expr}))" if inv.guarded else f"({expr})") + ";")
            body.append(f"    assert({pid});")
        lines += ["", "inline check() {", *body, "}"]
        check = "check()"
    lines += ["", "active proctype system() {"]
    inits = sorted(set(model.initials))
    if len(inits) == 1:
        lines.append(f"    d_step {{ {w.assign(inits[0])} }}")
    else:
        lines.append("    if")
        lines += [f"    :: d_step {{ {w.assign(init)} }}" for init in inits]
        lines.append("    fi;")
    lines += ["end:", "    do", "    :: atomic {"]
    if check:
        lines.append("        check();")
    lines.append("        if")
    for ca in model.actions:
        allowed = dict(ca.checks)
        writes = [x for slot, table in ca.writes if (x := w.write(slot, table, allowed.get(slot)))]
        body = "; ".join(writes) if writes else "skip"
        lines.append(f"        :: {w.guard(ca.checks)} -> {body} /* {ca.label} */")
    lines += ["        :: else -> skip /* no step enabled: a terminal state stays as it is */", "        fi", "    }"]
    lines += ["    od", "}"]
    return "\n".join(lines) + "\n"
