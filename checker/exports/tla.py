"""Export a compiled model as a TLA+ module and a TLC configuration.

One variable per slot, holding its value name as a TLA+ string; one action per compiled
action (its step label as a comment), its guard and writes read off the same tables the
explorer steps; `Next` their disjunction. The `always` properties become invariants and the
`at_rest` ones invariants guarded by `AtRest` (no request in flight), each the negation of
its tabulated violating cubes. Terminal states are not errors: run TLC with `-deadlock`.
"""

from __future__ import annotations

import itertools

from detachcheck.checker.engine.compiled.compile import CompiledAction, CompiledModel
from detachcheck.checker.exports.invariants import ExportedProperties
from detachcheck.checker.exports.names import TLA_RESERVED, slot_names, unique
from detachcheck.checker.exports.tabulate import Cube, Table
from detachcheck.properties import all_properties

INDENT = "    "


def string(value: str) -> str:
    """A TLA+ string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Writer:
    def __init__(self, model: CompiledModel) -> None:
        self.model = model
        self.slots = model.system.slots
        self.var = slot_names(model.system, TLA_RESERVED)

    def value(self, slot: int, value: int) -> str:
        return string(self.slots[slot].values[value])

    def values(self, slot: int, values: frozenset[int] | set[int]) -> str:
        return "{" + ", ".join(self.value(slot, v) for v in sorted(values)) + "}"

    def literal(self, slot: int, allowed: frozenset[int]) -> str:
        """`x = "a"`, `x # "a"`, `x \\in {...}` or `x \\notin {...}`, whichever is shortest."""
        x = self.var[slot]
        rest = frozenset(range(len(self.slots[slot].values))) - allowed
        if len(allowed) == 1:
            return f"{x} = {self.value(slot, next(iter(allowed)))}"
        if len(rest) == 1:
            return f"{x} # {self.value(slot, next(iter(rest)))}"
        if len(allowed) <= len(rest):
            return f"{x} \\in {self.values(slot, allowed)}"
        return f"{x} \\notin {self.values(slot, rest)}"

    def cube(self, cube: Cube) -> str:
        return " /\\ ".join(self.literal(s, v) for s, v in cube.literals) or "TRUE"

    def never(self, table: Table) -> list[str]:
        """The table's predicate as conjunction-list lines: `/\\ ~(cube)` per violating cube."""
        if not table.violations:
            return ["TRUE"]
        return [f"/\\ ~({self.cube(c)})" for c in table.violations]

    def init(self) -> list[str]:
        inits = sorted(set(self.model.initials))
        per_slot = [sorted({init[i] for init in inits}) for i in range(len(self.slots))]
        if len(inits) == len(list(itertools.product(*per_slot))):  # a product: one line per slot
            return [f"/\\ {self.var[i]} = {self.value(i, vs[0])}" if len(vs) == 1
                    else f"/\\ {self.var[i]} \\in {self.values(i, set(vs))}" for i, vs in enumerate(per_slot)]
        lines = []
        for init in inits:
            body = " /\\ ".join(f"{self.var[i]} = {self.value(i, v)}" for i, v in enumerate(init))
            lines.append(f"\\/ ({body})")
        return lines

    def write(self, slot: int, table: tuple[int, ...], allowed: frozenset[int] | None) -> str | None:
        """`x' = ...` for the values the guard lets through, or None when it never changes `x`."""
        x = self.var[slot]
        values = sorted(allowed) if allowed is not None else range(len(table))
        changed = [(v, table[v]) for v in values if table[v] != v]
        if not changed:
            return None
        targets = {table[v] for v in values}
        if len(targets) == 1:
            return f"{x}' = {self.value(slot, next(iter(targets)))}"
        arms = " [] ".join(f"{x} = {self.value(slot, v)} -> {self.value(slot, n)}" for v, n in changed)
        return f"{x}' = CASE {arms} [] OTHER -> {x}"

    def action(self, name: str, ca: CompiledAction) -> list[str]:
        allowed = dict(ca.checks)
        lines = [f"\\* {ca.label}", f"{name} =="]
        body = [self.literal(s, ok) for s, ok in ca.checks if len(ok) < len(self.slots[s].values)]
        written = set()
        for slot, table in ca.writes:
            if (w := self.write(slot, table, allowed.get(slot))) is not None:
                body.append(w)
                written.add(slot)
        same = [self.var[i] for i in range(len(self.slots)) if i not in written]
        if same:
            body.append("UNCHANGED <<" + ", ".join(same) + ">>")
        return lines + [f"{INDENT}/\\ {b}" for b in body]


def dispatch_groups(model: CompiledModel) -> list[tuple[int, frozenset[int], list[int]]]:
    """(slot, values, action indices): the actions whose most selective guard literal (as the
    explorer's dispatch picks it) is `slot in values`, in order of first action. TLC then
    tests one literal to skip a whole group, as the explorer skips actions by table lookup."""
    groups: dict[tuple[int, frozenset[int]], list[int]] = {}
    domains = [len(s.values) for s in model.system.slots]
    for i, a in enumerate(model.actions):
        checks = [(slot, ok) for slot, ok in a.checks if len(ok) < domains[slot]] or [(0, frozenset(range(domains[0])))]
        key, ok = min(checks, key=lambda c: (len(c[1]) / domains[c[0]], c[0]))
        groups.setdefault((key, ok), []).append(i)
    return [(key, ok, members) for (key, ok), members in groups.items()]


OTHER_NAMES = frozenset({"TypeOK", "AtRest"})


def action_names(model: CompiledModel) -> tuple[str, ...]:
    """One TLA+ operator name per compiled action, from its step label (never a property id)."""
    taken = TLA_RESERVED | OTHER_NAMES | set(slot_names(model.system)) | {p.id for p in all_properties()}
    return unique((a.label for a in model.actions), frozenset(taken))


def to_tla(model: CompiledModel, module: str, props: ExportedProperties) -> tuple[str, str]:
    """(module text, TLC configuration text) for `model` and its exported properties."""
    w = _Writer(model)
    system = model.system
    names = action_names(model)
    header = (f"detachcheck export: release {system.release.name}, {system.volumes} data volume(s), "
              f"{system.requests} request(s), operator steps {'on' if system.operator else 'off'}, "
              f"instance operations {'on' if system.processes else 'off'}; {len(w.slots)} variables, "
              f"{len(model.actions)} actions, {len(model.initials)} initial state(s). Generated from the "
              "compiled tables by `detachcheck export`: do not edit.")
    out = [f"---- MODULE {module} ----", f"(* {header} *)", "", "VARIABLES"]
    decls = [v + ("," if i < len(w.var) - 1 else "") for i, v in enumerate(w.var)]
    out += [f"{INDENT}{d}{' ' * max(1, 29 - len(d))}\\* {s.label}" for d, s in zip(decls, w.slots, strict=True)]
    out += ["", "vars == <<" + ", ".join(w.var) + ">>", "", "TypeOK =="]
    out += [f"{INDENT}/\\ {v} \\in {w.values(i, set(range(len(s.values))))}"
            for i, (v, s) in enumerate(zip(w.var, w.slots, strict=True))]
    out += ["", "Init =="] + [INDENT + line for line in w.init()] + [""]
    for name, ca in zip(names, model.actions, strict=True):
        out += w.action(name, ca) + [""]
    out += ["\\* the actions grouped by the value of one slot each guard tests (the explorer's dispatch key)",
            "Next =="]
    for key, ok, members in dispatch_groups(model):
        test = w.literal(key, ok) if len(ok) < len(w.slots[key].values) else "TRUE"
        out.append(f"{INDENT}\\/ /\\ {test}")
        out += [INDENT + ("   /\\ \\/ " if i == 0 else "      \\/ ") + names[m] for i, m in enumerate(members)]
    out += ["", "Spec == Init /\\ [][Next]_vars", "", "\\* no request in flight: each is idle or ended",
            "AtRest =="] + [INDENT + line for line in w.never(props.at_rest)]
    for inv in props.invariants:
        out += ["", f"\\* {inv.prop.kind}: {inv.prop.meaning}", f"{inv.prop.id} =="]
        lines = w.never(inv.table)
        if inv.guarded:
            out += [f"{INDENT}AtRest =>"] + [INDENT * 2 + line for line in lines]
        else:
            out += [INDENT + line for line in lines]
    out += ["", "===="]
    cfg = [f"\\* {header}", "\\* Run: java -cp tla2tools.jar tlc2.TLC -deadlock -config "
           f"{module}.cfg {module}.tla (terminal states are not errors)", "INIT Init", "NEXT Next"]
    if props.invariants:
        cfg += ["INVARIANTS"] + [f"{INDENT}{inv.prop.id}" for inv in props.invariants]
    return "\n".join(out) + "\n", "\n".join(cfg) + "\n"
