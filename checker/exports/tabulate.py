"""Turn a Python state predicate into a finite formula over the slots it reads.

The predicate runs on a partial state: when it reads a slot that has no value yet, that run
stops, and the predicate is run again once for each value of that slot (Shannon expansion in
the order the predicate itself reads). This builds a decision diagram whose leaves are the
predicate's results. It is exact for a deterministic predicate: on any full state, the
predicate reads the same slots in the same order as along the diagram path that state
matches, so it returns that path's leaf. Paths to `False` are then widened (a literal is
dropped, or given more values, while the cube stays inside the violating set) and cubes
contained in others are removed: what is left is a short disjunction of violating cubes, so
the invariant is `not (cube_1 or cube_2 or ...)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from detachcheck.fsm.view import Layout, View

Node = bool | tuple[int, tuple["Node", ...]]
"""A decision diagram: a result, or (slot, one child per value index of that slot)."""


class TabulateError(Exception):
    """A predicate that cannot be tabulated (it raised, or reads the state other than by name)."""


@dataclass(frozen=True)
class Cube:
    """A set of states: those where every listed slot holds one of its listed values."""

    literals: tuple[tuple[int, frozenset[int]], ...]
    """(slot, allowed value indices), by slot; a slot not listed may hold anything."""

    def matches(self, state: tuple[int, ...]) -> bool:
        return all(state[slot] in values for slot, values in self.literals)


@dataclass(frozen=True)
class Table:
    """A predicate as data: it is false exactly in the states some violating cube matches."""

    reads: tuple[int, ...]
    """Every slot the predicate can read, sorted."""
    violations: tuple[Cube, ...]
    nodes: int
    """Decision nodes of the diagram (distinct tests), for the curious."""

    def holds(self, state: tuple[int, ...]) -> bool:
        return not any(cube.matches(state) for cube in self.violations)


class _Unassigned(Exception):
    def __init__(self, slot: int) -> None:
        self.slot = slot


class _PartialView(View):
    """A view over a partial assignment: reading a slot without a value stops the predicate."""

    __slots__ = ("assigned",)

    def __init__(self, layout: Layout, assigned: dict[int, int]) -> None:
        super().__init__(layout, ())
        self.assigned = assigned

    def get(self, component: str, index: str | None = None) -> str:
        slot = self._where[(component, index)]
        if slot not in self.assigned:
            raise _Unassigned(slot)
        return self._names[slot][self.assigned[slot]]


def decision_diagram(predicate: Callable[[View], bool], layout: Layout) -> tuple[Node, int]:
    """The predicate as a reduced decision diagram (shared subgraphs, no redundant tests), and its size."""
    interned: dict[tuple[int, ...], Node] = {}

    def intern(slot: int, children: tuple[Node, ...]) -> Node:
        # children are interned already: identity is equality, and hashing stays shallow
        return interned.setdefault((slot, *map(id, children)), (slot, children))

    def build(assigned: dict[int, int]) -> Node:
        try:
            result = predicate(_PartialView(layout, assigned))
        except _Unassigned as missing:
            slot = missing.slot
            children = tuple(build({**assigned, slot: v}) for v in range(len(layout.names[slot])))
            if all(c is children[0] for c in children):
                return children[0]  # this slot does not matter here
            return intern(slot, children)
        except Exception as exc:  # noqa: BLE001  (any failure of a user predicate is reported the same way)
            names = {layout.system.slots[s].label: layout.names[s][v] for s, v in sorted(assigned.items())}
            raise TabulateError(f"the predicate raised {type(exc).__name__}: {exc} on {names}") from exc
        if not isinstance(result, bool):
            raise TabulateError(f"the predicate returned {result!r}, not a bool")
        return result

    root = build({})
    return root, len(interned)


def _reads(node: Node, seen: set[int] | None = None, out: set[int] | None = None) -> set[int]:
    seen = set() if seen is None else seen
    out = set() if out is None else out
    if isinstance(node, bool) or id(node) in seen:
        return out
    seen.add(id(node))
    out.add(node[0])
    for child in node[1]:
        _reads(child, seen, out)
    return out


def _false_paths(node: Node, memo: dict[int, list[dict[int, frozenset[int]]]]) -> list[dict[int, frozenset[int]]]:
    """Disjoint cubes covering the states where the diagram is False (values with one child grouped)."""
    if isinstance(node, bool):
        return [] if node else [{}]
    if id(node) in memo:
        return memo[id(node)]
    slot, children = node
    groups: dict[int, list[int]] = {}
    for value, child in enumerate(children):
        groups.setdefault(id(child), []).append(value)
    out = []
    for values in groups.values():
        for cube in _false_paths(children[values[0]], memo):
            out.append({slot: frozenset(values), **cube})
    memo[id(node)] = out
    return out


def _all_false(node: Node, cube: dict[int, frozenset[int]], memo: dict[int, bool]) -> bool:
    """Whether the diagram is False on every state of `cube`."""
    if isinstance(node, bool):
        return not node
    if id(node) in memo:
        return memo[id(node)]
    slot, children = node
    values = cube.get(slot, range(len(children)))
    result = all(_all_false(children[v], cube, memo) for v in values)
    memo[id(node)] = result
    return result


def _expand(root: Node, cube: dict[int, frozenset[int]], domains: tuple[int, ...]) -> dict[int, frozenset[int]]:
    """Widen a violating cube as far as it stays violating: drop literals, then add values."""
    cube = dict(cube)
    for slot in sorted(cube):
        trial = {s: v for s, v in cube.items() if s != slot}
        if _all_false(root, trial, {}):
            cube = trial
    for slot in sorted(cube):
        for value in range(domains[slot]):
            if value not in cube[slot]:
                trial = {**cube, slot: cube[slot] | {value}}
                if _all_false(root, trial, {}):
                    cube = trial
        if len(cube[slot]) == domains[slot]:
            del cube[slot]
    return cube


def _contains(big: dict[int, frozenset[int]], small: dict[int, frozenset[int]]) -> bool:
    return all(slot in small and small[slot] <= values for slot, values in big.items())


def tabulate(predicate: Callable[[View], bool], layout: Layout) -> Table:
    """The predicate as a short disjunction of violating cubes over the slots it reads."""
    root, size = decision_diagram(predicate, layout)
    domains = tuple(len(names) for names in layout.names)
    expanded: list[dict[int, frozenset[int]]] = []
    for path in _false_paths(root, {}):
        cube = _expand(root, path, domains)
        if cube not in expanded:
            expanded.append(cube)
    kept = [c for c in expanded if not any(o is not c and _contains(o, c) for o in expanded)]
    cubes = sorted((tuple(sorted(c.items())) for c in kept), key=lambda lits: [(s, sorted(v)) for s, v in lits])
    return Table(tuple(sorted(_reads(root))), tuple(Cube(lits) for lits in cubes), size)

