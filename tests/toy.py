"""A small hand-made system (two toy lifecycles, four actions) for engine tests."""

from __future__ import annotations

from detachcheck.fsm.lifecycle import Lifecycle, t
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.step import Outcome, Step
from detachcheck.fsm.system import Action, Slot, System

CITE = "toy/toy.py toy @ pike"

DOOR = Lifecycle("door", "a door", ("closed", "open", "locked"), "closed", (
    t("open", "closed", "open", CITE),
    t("close", "open", "closed", CITE),
    t("lock", "closed", "locked", CITE),
    t("unlock", "locked", "closed", CITE),
), per_volume=False)

LAMP = Lifecycle("lamp", "a lamp", ("off", "dim", "bright"), "off", (
    t("up", "off", "dim", CITE),
    t("up", "dim", "bright", CITE),
    t("down", ("bright", "dim"), "off", CITE),
), per_volume=False)


def _action(name: str, requires=(), fires=()) -> Action:
    step = Step(name, "toy", CITE, (Outcome("ok"),))
    return Action(step, step.outcomes[0], (), tuple(requires), tuple(fires), ())


def toy_system() -> System:
    """Door (slot 0) and lamp (slot 1): the lamp only brightens while the door is closed,
    the door only locks while the lamp is bright."""
    slots = (Slot("door", "door", None, DOOR.states, DOOR.initial, DOOR),
             Slot("lamp", "lamp", None, LAMP.states, LAMP.initial, LAMP))
    actions = (
        _action("toy.open", fires=[(0, "open")]),
        _action("toy.close", fires=[(0, "close")]),
        _action("toy.lock", requires=[(1, ("bright",))], fires=[(0, "lock")]),
        _action("toy.unlock", fires=[(0, "unlock")]),
        _action("toy.up", requires=[(0, ("closed",))], fires=[(1, "up")]),
        _action("toy.down", fires=[(1, "down")]),
    )
    return System(RELEASES["pike"], 0, 0, slots, actions, (("closed", "off"),))
