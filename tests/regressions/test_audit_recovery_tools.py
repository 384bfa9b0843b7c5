"""Issue-9, recovery: what operators can really do. `cinder reset-state --state in-use
--attach-status attached` from any status (no from-state check in Cinder before 20.0.0);
os-detach with no attachment left is a 202 no-op; the operator may always send a new detach or
attach; recovery never counts on a fault or on the guest letting go."""

from __future__ import annotations

from detachcheck.checker.run import run_check
from detachcheck.fsm.releases import RELEASES, Release

from ._audit import DETACH, run

OS_DETACH_TIMED_OUT = [*DETACH, "compute.detach_live", "guest.ack_unplug vol=1", "compute.wait_and_retry_detach",
                       "compute.disconnect_volume", "compute.terminate_connection", "compute.cinder_detach:timeout"]


def test_reset_in_use_then_detach_again_repairs_a_timed_out_os_detach():
    steps = [*OS_DETACH_TIMED_OUT, "operator.reset_state:in_use vol=1", "operator.retry_detach",
             "api.check_instance vol=1", "api.get_volume", "api.check_bdm", "api.begin_detaching",
             "rpc.detach_volume", "compute.detach_live:not_found", "compute.terminate_connection",
             "compute.cinder_detach", "compute.destroy_bdm"]
    final = run("pike", steps)
    assert final["volume[1]"] == "available/detached" and final["attachment[1]"] == "deleted"
    assert final["bdm[1]"] == "destroyed" and final["request[1]"] == "completed"


def test_attach_restores_every_component():
    full = [*DETACH, "compute.detach_live", "guest.ack_unplug vol=1", "compute.wait_and_retry_detach",
            "compute.disconnect_volume", "compute.terminate_connection", "compute.cinder_detach",
            "compute.destroy_bdm", "operator.attach vol=1"]
    for release, style in (("pike", "legacy"), ("queens", "attachment_id")):
        final = run(release, full)
        assert final["volume[1]"] == "in-use/attached" and final["attachment[1]"] == "attached"
        assert final["bdm[1]"] == "present" and final["style[1]"] == style
        assert final["disk[1]"] == "persistent+live" and final["connection[1]"] == "connected"
        assert final["export[1]"] == "mapped"


def entry(result, pid="recoverable"):
    return next(p for p in result.report["properties"] if p["id"] == pid)


def test_queens_bdm_without_attachment_is_unrecoverable_with_queens_tools():
    """attachment_delete timed out after Cinder deleted the attachment: the BDM keeps its id, a new
    detach gets 404 (before 9b1c078112), shelve-offload too; no client command removes the BDM."""
    e = entry(run_check("queens", processes=False, property_ids=["recoverable"], likelihood=False))
    assert e["verdict"] == "violated"
    assert e["final_state"]["bdm[1]"] == "present" and e["final_state"]["attachment[1]"] == "deleted"
    assert "compute.attachment_delete:timeout" in [f"{s['step']}:{s['outcome']}" for s in e["path"]]


def test_pike_and_wallaby_eom_recover():
    for release in ("pike", "wallaby-eom"):
        e = entry(run_check(release, processes=False, property_ids=["recoverable"], likelihood=False))
        assert e["verdict"] == "holds", release


class WithoutUnshelve(Release):
    """A deliberately broken toolset: no unshelve (which re-attaches a legacy volume in Cinder)."""

    def steps(self):
        return tuple(s for s in super().steps() if s.name != "compute.unshelve")


def test_a_broken_variant_is_really_unrecoverable():
    """Pike's Nova, without unshelve, against a Cinder that refuses `reset-state --state in-use`
    without an attachment row: the BDM a timed-out os-detach leaves can no longer be detached
    (begin_detaching needs in-use), reset or re-attached."""
    switches = {**RELEASES["pike"].switches, "cinder_reset_in_use_needs_attachment": True}
    broken = WithoutUnshelve("pike", "16.0.0", "no unshelve, strict reset-state", switches)
    e = entry(run_check("pike", processes=False, property_ids=["recoverable"], likelihood=False, variant=broken))
    assert e["verdict"] == "violated"
    assert e["final_state"]["bdm[1]"] == "present" and e["final_state"]["attachment[1]"] == "deleted"
    assert "operator.reset_state:in_use" not in e["stuck"]["tried"]
    e = entry(run_check("pike", processes=False, property_ids=["recoverable"], likelihood=False,
                        variant=RELEASES["pike"].with_switches("pike+strict-reset", "strict reset-state",
                                                               cinder_reset_in_use_needs_attachment=True)))
    assert e["verdict"] == "holds"  # shelve and unshelve re-attach it in Cinder (os-attach when detached)


def test_cheapest_counts_clean_ups_by_hand_as_commands():
    """A recovery that leaves an iSCSI session to remove by hand costs one more than its commands:
    a command and Nova's own steps to a clean state beat a command and a chore, however many
    steps; fewer commands beat less disruption."""
    from detachcheck.checker.recovery import cheapest

    # a -(typed)-> b, which needs one chore; a -(typed)-> c -(Nova)-> d, clean; a -(typed, reboot)-> e, clean.
    graph = {"a": [(0, "b", (1, 0, 1)), (1, "c", (1, 0, 1)), (2, "e", (1, 1, 1))], "c": [(3, "d", (0, 0, 1))]}
    left = {"b": ["log out of the iSCSI session"], "d": [], "e": []}
    found = cheapest("a", lambda s: graph.get(s, []), lambda s: left.get(s))
    assert found == (["a", "c", "d"], [1, 3])
    graph["c"] = [(3, "d", (1, 0, 1))]  # now d needs a second command: the reboot's one command wins
    assert cheapest("a", lambda s: graph.get(s, []), lambda s: left.get(s)) == (["a", "e"], [2])


def test_recovery_under_symmetry_names_the_real_volume():
    """In a search reduced by volume permutations, a state is stored as its orbit's representative,
    where the troubled volume may carry the other number: the recovery is unfolded from the real
    state, so that its commands name the real volume and replay for real."""
    for vol, other in (("1", "2"), ("2", "1")):
        recovery_names(vol, other)


def recovery_names(vol: str, other: str) -> None:
    """Volume `vol` stuck after a failed terminate_connection: its recovery under symmetry."""
    from dataclasses import replace as dc_replace

    import numpy as np

    from detachcheck.checker.engine.compiled.pack import packing_for
    from detachcheck.checker.engine.compiled.symmetry import symmetry_for
    from detachcheck.checker.engine.searches.search import search
    from detachcheck.checker.recovery import relied_model, shortest_recovery
    from detachcheck.checker.trace import replay
    from detachcheck.properties.registry import REGISTRY

    steps = [f"api.check_instance vol={vol}", "api.get_volume", "api.check_bdm", "api.begin_detaching",
             "rpc.detach_volume", "compute.detach_live", f"guest.ack_unplug vol={vol}", "compute.wait_and_retry_detach",
             "compute.disconnect_volume", "compute.terminate_connection:error"]
    done = replay("\n".join(["release: pike", "volumes: 2", "requests: 1", *steps]) + "\n")
    real = done.states[-1]
    model = dc_replace(relied_model(done.model), initials=(real,))
    sym = symmetry_for(done.model, packing_for(done.model))
    ops = search(model, [], symmetry=sym)
    word, extra = ops.tables.packing.pack(np.array(real, dtype=np.int64)[:, None])
    start = int(ops.ids_of(*sym.canonical(word, extra))[0])
    target = REGISTRY["recoverable"]
    found = shortest_recovery(ops, ops.graph().succ, start, target, real, sym)
    assert found is not None and any(f"VOLUME-{vol}" in c for c in found.commands), found.commands
    assert not any(f"VOLUME-{other}" in c for c in found.commands), found.commands
    here = real
    for ai in found.actions:
        here = dict(model.enabled(here))[ai]
    assert target.check(model.layout.view(here))
