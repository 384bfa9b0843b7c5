"""LP#1786318 (regression from LP#1750680): DeviceDetachFailed logged and re-raised without
roll_detaching, so the volume stays `detaching` with the disk still in the guest.

Introduced by b16c0f1053 (16.1.1, 17.0.2), fixed by 3a4b4b91b0 (16.1.5, 17.0.6). None of the
nine named releases has it; the variant `queens-eol-no-rollback-on-ddf` puts it back.
"""

from __future__ import annotations

from detachcheck.checker.engine.compiled.compile import compile_system
from detachcheck.checker.engine.searches.explore import explore
from detachcheck.fsm import request as req
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import compose
from detachcheck.fsm.variants import VARIANTS
from detachcheck.properties.registry import SOMETIMES, Property


def stuck_after_device_detach_failed(s) -> bool:
    """A request ended without roll-back, the disk still live, Cinder still `detaching`."""
    return any(s.request(q) == req.ABORTED and s.volume(s.target(q)) == "detaching/attached"
               and s.disk(s.target(q)) in ("live, unplug pending", "live")
               and s.connection(s.target(q)) == "connected" for q in s.requests)


QUERY = Property("stuck_after_ddf", SOMETIMES, "", stuck_after_device_detach_failed)


def search(release):
    model = compile_system(compose(release, 1, 1, processes=False))
    return model, explore(model, [QUERY])


def test_regression_variant_reaches_the_stuck_state_through_the_timeout():
    model, run = search(VARIANTS["queens-eol-no-rollback-on-ddf"].release())
    sid = run.found["stuck_after_ddf"]
    steps = [model.actions[a].label.split(" ")[0] for a in run.path(sid)]
    assert steps[-1] == "compute.wait_and_retry_detach:timeout"
    assert "compute.roll_detaching:ok" not in steps


def test_queens_eol_needs_a_second_fault_to_get_stuck():
    """With the roll-back, only a failing roll_detaching call leaves the volume detaching."""
    model, run = search(RELEASES["queens-eol"])
    steps = [model.actions[a].label.split(" ")[0] for a in run.path(run.found["stuck_after_ddf"])]
    assert steps[-2:] == ["compute.wait_and_retry_detach:timeout", "compute.roll_detaching:error"]
    variant_model, variant_run = search(VARIANTS["queens-eol-no-rollback-on-ddf"].release())
    assert variant_run.depth[variant_run.found["stuck_after_ddf"]] == run.depth[run.found["stuck_after_ddf"]] - 1
