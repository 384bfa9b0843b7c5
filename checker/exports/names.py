"""Readable, collision-free identifiers for the exports: slots, values, actions, modules.

Slot labels (`volume[root]`, `request[1].volume`) and step labels (`api.get_volume:ok req=1`)
become identifiers by replacing every run of other characters with `_`; a name that is a
keyword of the target language, or that is taken already, gets a numeric suffix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from detachcheck.fsm.system import System

TLA_RESERVED = frozenset("""ASSUME ASSUMPTION AXIOM BOOLEAN CASE CHOOSE CONSTANT CONSTANTS DOMAIN ELSE ENABLED EXCEPT
EXTENDS FALSE IF IN INSTANCE LET LOCAL MODULE OTHER SF_ STRING SUBSET THEN THEOREM TRUE UNCHANGED UNION VARIABLE
VARIABLES WF_ WITH LAMBDA ACTION ASSUME BY DEF DEFINE DEFS HAVE HIDE NEW OBVIOUS OMITTED ONLY PICK PROOF PROPOSITION
PROVE QED RECURSIVE STATE SUFFICES TAKE TEMPORAL USE WITNESS LEMMA COROLLARY Init Next Spec vars""".split())

PROMELA_RESERVED = frozenset("""active assert atomic bit bool break byte chan d_step D_proctype do else empty enabled
eval false fi for full get_priority goto hidden if in init inline int len local ltl mtype nempty never nfull np_ od
of pc_value pid print printf printm priority proctype provided run select set_priority short show skip timeout trace
notrace true typedef unless unsigned xr xs c_code c_decl c_expr c_state c_track now check auto case char const
continue default double enum extern float long register return signed sizeof static struct switch void volatile
while""".split())


def identifier(text: str) -> str:
    """`text` with every run of characters other than letters and digits turned into one `_`."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or "x"
    return name if name[0].isalpha() else "x" + name


def unique(texts: Iterable[str], reserved: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """An identifier for each text, in order; later duplicates and reserved words get `_2`, `_3`, ..."""
    taken: set[str] = set()
    out = []
    for text in texts:
        base = identifier(text)
        name, n = base, 1
        while name in taken or name in reserved:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        out.append(name)
    return tuple(out)


def slot_names(system: System, reserved: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """One variable name per slot: `volume[root]` -> `volume_root`, `request[1].volume` -> `request_1_volume`."""
    return unique((s.label for s in system.slots), reserved)


def value_symbols(system: System, reserved: frozenset[str] = frozenset()) -> tuple[tuple[str, ...], ...]:
    """Per slot, one symbol per value, `<component>_<value>` (shared by slots of one component):
    `in-use/attached` of a volume -> `volume_in_use_attached`."""
    keys: list[tuple[str, str]] = []
    for slot in system.slots:
        keys += [(slot.component, v) for v in slot.values if (slot.component, v) not in keys]
    names = dict(zip(keys, unique((f"{c}_{v}" for c, v in keys), reserved), strict=True))
    return tuple(tuple(names[(s.component, v)] for v in s.values) for s in system.slots)


def model_stem(release: str, volumes: int, requests: int, operator: bool = False, processes: bool = True) -> str:
    """`pike-v1-r2`, with `-operator` and `-detach-only` when they apply: the export's file stem."""
    return f"{release}-v{volumes}-r{requests}" + ("-operator" if operator else "") + \
        ("" if processes else "-detach-only")


def tla_module_name(stem: str) -> str:
    """`pike-v1-r2` -> `Pike_v1_r2` (a TLA+ module name is the file name)."""
    name = identifier(stem)
    return name[0].upper() + name[1:]


def promela_file_stem(stem: str) -> str:
    """`pike+lock-detach-v1-r2` -> `pike_lock_detach_v1_r2`."""
    return identifier(stem)
