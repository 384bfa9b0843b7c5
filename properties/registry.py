"""The property registry: one decorated function per property, its name the stable id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fsm.view import View

ALWAYS = "always"
AT_REST = "at_rest"
SOMETIMES = "sometimes"
DEADLOCK = "deadlock"
KINDS = (ALWAYS, AT_REST, SOMETIMES, DEADLOCK)

Predicate = Callable[[View], bool]


@dataclass(frozen=True)
class Property:
    """A property: stable id, kind, one-line meaning, predicate over a composed state.

    - always: the predicate holds in every reachable state;
    - at_rest: it holds in every reachable state at rest (`View.at_rest`);
    - sometimes: some reachable state satisfies it (a witness);
    - deadlock: every reachable state where it holds has a successor.
    `witness` names the `sometimes` property that shows an always/at_rest one is not vacuous.
    """

    id: str
    kind: str
    meaning: str
    check: Predicate
    witness: str | None = None


REGISTRY: dict[str, Property] = {}


def _register(kind: str, meaning: str, witness: str | None) -> Callable[[Predicate], Predicate]:
    def decorate(fn: Predicate) -> Predicate:
        if fn.__name__ in REGISTRY:
            raise ValueError(f"property {fn.__name__} declared twice")
        REGISTRY[fn.__name__] = Property(fn.__name__, kind, meaning, fn, witness)
        return fn
    return decorate


def always(meaning: str, witness: str | None = None) -> Callable[[Predicate], Predicate]:
    """Declare an `always` property (holds in every reachable state)."""
    return _register(ALWAYS, meaning, witness)


def at_rest(meaning: str, witness: str | None = None) -> Callable[[Predicate], Predicate]:
    """Declare an `at_rest` property (holds whenever no request is in flight)."""
    return _register(AT_REST, meaning, witness)


def sometimes(meaning: str) -> Callable[[Predicate], Predicate]:
    """Declare a `sometimes` property (some reachable state satisfies it)."""
    return _register(SOMETIMES, meaning, None)


def deadlock(meaning: str) -> Callable[[Predicate], Predicate]:
    """Declare a deadlock property: states where the predicate holds must have a next step."""
    return _register(DEADLOCK, meaning, None)
