"""The properties an export carries: `always` ones as invariants, `at_rest` ones guarded by "at rest".

Each predicate is tabulated over the composed model's slots (`tabulate.py`); "at rest" is
`View.at_rest` tabulated the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from detachcheck.checker.engine.compiled.compile import CompiledModel
from detachcheck.checker.exports.tabulate import Table, tabulate
from detachcheck.fsm.view import View
from detachcheck.properties import all_properties
from detachcheck.properties.registry import ALWAYS, AT_REST, Property

EXPORTED_KINDS = (ALWAYS, AT_REST)


@dataclass(frozen=True)
class Invariant:
    """A property as data: `holds` in a state unless a violating cube matches it (and, for an
    at_rest property, the state is at rest)."""

    prop: Property
    table: Table

    @property
    def guarded(self) -> bool:
        """Whether it is checked only at rest."""
        return self.prop.kind == AT_REST


@dataclass(frozen=True)
class ExportedProperties:
    """The at-rest condition and every exported property of one compiled model."""

    at_rest: Table
    invariants: tuple[Invariant, ...]

    def violated(self, state: tuple[int, ...]) -> list[str]:
        """The ids of the exported properties `state` violates (what TLC and SPIN must report)."""
        rest = self.at_rest.holds(state)
        return [inv.prop.id for inv in self.invariants
                if (rest or not inv.guarded) and not inv.table.holds(state)]


def _at_rest(s: View) -> bool:
    return s.at_rest


def exported_properties(model: CompiledModel, properties: tuple[Property, ...] | None = None) -> ExportedProperties:
    """Tabulate the `always` and `at_rest` properties (all registered ones by default) over `model`."""
    props = all_properties() if properties is None else properties
    layout = model.layout
    return ExportedProperties(tabulate(_at_rest, layout),
                              tuple(Invariant(p, tabulate(p.check, layout)) for p in props
                                    if p.kind in EXPORTED_KINDS))
