"""The property registry: one decorated function per property, its name the stable id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from detachcheck.fsm.view import View

ALWAYS = "always"
AT_REST = "at_rest"
SOMETIMES = "sometimes"
DEADLOCK = "deadlock"
LIVENESS = "liveness"
RECOVERABLE = "recoverable"
KINDS = (ALWAYS, AT_REST, DEADLOCK, LIVENESS, RECOVERABLE, SOMETIMES)

Predicate = Callable[[View], bool]
RequestPredicate = Callable[[View, str], bool]


@dataclass(frozen=True)
class Property:
    """A property: stable id, kind, one-line meaning, predicate over a composed state.

    - always: the predicate holds in every reachable state;
    - at_rest: it holds in every reachable state at rest (`View.at_rest`);
    - sometimes: some reachable state satisfies it (a witness);
    - deadlock: every reachable state where it holds has a successor;
    - liveness: `check(s, q)` says request q still owes something (accepted, not yet done
      well); no fair behaviour may keep that true forever (`checker/analysis.py`);
    - recoverable: `check(s)` names the consistent states; from every reachable state some
      path (operator actions included) must reach one.
    `witness` names the `sometimes` property that shows the property is not vacuous.
    """

    id: str
    kind: str
    meaning: str
    check: Callable[..., bool]
    witness: str | None = None


REGISTRY: dict[str, Property] = {}


def _register(kind: str, meaning: str, witness: str | None) -> Callable[[Callable[..., bool]], Callable[..., bool]]:
    def decorate(fn: Callable[..., bool]) -> Callable[..., bool]:
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


def deadlock(meaning: str, witness: str | None = None) -> Callable[[Predicate], Predicate]:
    """Declare a deadlock property: states where the predicate holds must have a next step."""
    return _register(DEADLOCK, meaning, witness)


def liveness(meaning: str, witness: str | None = None) -> Callable[[RequestPredicate], RequestPredicate]:
    """Declare a liveness property: `fn(s, q)` is an obligation of request q that must not stay
    true forever under weak fairness."""
    return _register(LIVENESS, meaning, witness)


def recoverable(meaning: str, witness: str | None = None) -> Callable[[Predicate], Predicate]:
    """Declare a recoverability property: `fn(s)` marks the consistent states every reachable
    state must be able to reach (operator actions allowed)."""
    return _register(RECOVERABLE, meaning, witness)
