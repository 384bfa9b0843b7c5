"""Each property on hand-built states that satisfy and violate it."""

from __future__ import annotations

import pytest

from detachcheck.checker.engine.compiled.compile import compile_system
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import compose
from detachcheck.properties import REGISTRY

MODEL = compile_system(compose(RELEASES["pike"], 1, 1))
# every property except witnesses must name a reachable witness
NON_VACUOUS = ("always", "at_rest", "deadlock", "liveness", "recoverable")


def view(**changes: str):
    """The initial state with some slots changed, by label (`volume[1]`, `request[1].volume`, ...)."""
    system = MODEL.system
    values = list(MODEL.initials[0])
    labels = {slot.label.replace("[", "_").replace("]", "").replace(".", "_"): i
              for i, slot in enumerate(system.slots)}
    for key, name in changes.items():
        i = labels[key]
        values[i] = system.slots[i].values.index(name)
    return MODEL.layout.view(tuple(values))


DONE = dict(volume_1="available/detached", attachment_1="deleted", bdm_1="destroyed", disk_1="absent",
            connection_1="disconnected", export_1="unmapped")

# property id -> (a state where it holds, a state where it is broken)
CASES = {
    "available_implies_not_in_guest": (view(**DONE), view(**{**DONE, "disk_1": "live, unplug pending"})),
    "available_implies_no_host_connection": (view(**DONE), view(**{**DONE, "connection_1": "connected"})),
    "available_implies_no_storage_export": (view(**DONE), view(**{**DONE, "export_1": "mapped"})),
    "no_host_disconnect_while_in_guest": (view(disk_1="absent", connection_1="disconnected"),
                                          view(disk_1="live, unplug pending", connection_1="disconnected")),
    "no_storage_unmap_while_in_guest": (view(disk_1="absent", export_1="unmapped"),
                                        view(disk_1="persistent+live", export_1="unmapped")),
    "root_volume_never_detached": (view(), view(volume_root="detaching/attached")),
    "bdm_matches_attachment": (view(**DONE), view(**{**DONE, "bdm_1": "present"})),
    "status_matches_attachments": (view(**DONE), view(volume_1="detaching/attached")),
    "persistent_matches_live": (view(), view(disk_1="live, unplug pending")),
    "no_stuck_transitional_status": (view(), view(volume_1="detaching/attached")),
    "guest_disks_match_bdms": (view(**DONE), view(disk_1="absent")),
    "detach_can_complete": (view(**DONE), view()),
    "detach_can_roll_back": (view(request_1="rolled back", request_1_volume="1"),
                             view(request_1="rolled back", request_1_volume="1", volume_1="detaching/attached")),
    "root_detach_refused": (view(request_1="rejected", request_1_volume="root"),
                            view(request_1="rejected", request_1_volume="1")),
    "no_deadlock": (view(request_1="at compute"), view(request_1="completed")),
    # liveness: "request 1 still owes a result"; recoverable: "consistent"
    "detach_terminates": (view(request_1="at compute", request_1_volume="1"),
                          view(request_1="completed", request_1_volume="1")),
    "recoverable": (view(), view(volume_1="detaching/attached")),
}
# Properties about situations this release cannot build: checked on their own terms.
UNBUILDABLE = {"shelved_offloaded_holds_nothing", "instance_shelved_offloaded"}


def check(prop, state):
    return prop.check(state, "1") if prop.kind == "liveness" else prop.check(state)


@pytest.mark.parametrize("pid", sorted(CASES))
def test_property_holds_and_breaks(pid):
    good, bad = CASES[pid]
    prop = REGISTRY[pid]
    assert check(prop, good) is True
    assert check(prop, bad) is False


def test_every_property_has_cases():
    assert set(REGISTRY) == set(CASES) | UNBUILDABLE


def test_shelved_offloaded_properties_hold_for_an_active_instance():
    assert REGISTRY["shelved_offloaded_holds_nothing"].check(view()) is True
    assert REGISTRY["instance_shelved_offloaded"].check(view()) is False


def test_at_rest_means_no_request_in_flight():
    assert view().at_rest
    assert view(request_1="rolled back").at_rest
    assert not view(request_1="unplug requested").at_rest


def test_every_property_has_a_meaning_and_known_kind():
    for prop in REGISTRY.values():
        assert prop.meaning and prop.kind in ("always", "at_rest", "sometimes", "deadlock", "liveness",
                                              "recoverable")
        if prop.kind in NON_VACUOUS:
            assert prop.witness is not None and REGISTRY[prop.witness].kind == "sometimes", prop.id
