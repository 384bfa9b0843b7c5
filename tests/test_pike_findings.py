"""What the Pike model violates, asserted on the checker's own output."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from detachcheck.properties import REGISTRY


def entry(result, pid):
    return next(p for p in result.report["properties"] if p["id"] == pid)


def steps(e):
    return [f"{s['step']}:{s['outcome']}" for s in e["path"]]


@pytest.mark.parametrize("fixture", ["pike_r1", "pike_r2"])
def test_disk_not_found_leaks_the_host_connection(fixture, request):
    """16.0.0: DeviceNotFound -> DiskNotFound skips os-brick's disconnect; Cinder still detaches."""
    result = request.getfixturevalue(fixture)
    e = entry(result, "available_implies_no_host_connection")
    assert e["verdict"] == "violated"
    assert any(s.endswith(":not_found") for s in steps(e))
    assert "compute.disconnect_volume:ok" not in steps(e)
    assert steps(e)[-1] == "compute.cinder_detach:ok"
    assert e["final_state"]["volume[1]"] == "available/detached"
    assert e["final_state"]["connection[1]"] == "connected"


def test_failures_after_the_driver_detach_leave_detaching(pike_r1):
    e = entry(pike_r1, "no_stuck_transitional_status")
    assert e["verdict"] == "violated"
    assert e["final_state"]["volume[1]"] == "detaching/attached"
    assert "compute.roll_detaching:ok" not in steps(e)


def test_cinder_detach_timeout_leaves_a_bdm_without_attachment(pike_r1):
    e = entry(pike_r1, "bdm_matches_attachment")
    assert e["verdict"] == "violated"
    assert e["final_state"]["bdm[1]"] == "present" and e["final_state"]["attachment[1]"] == "deleted"


def test_safety_that_holds_in_pike(pike_r2):
    for pid in ("available_implies_not_in_guest", "available_implies_no_storage_export",
                "no_host_disconnect_while_in_guest", "no_storage_unmap_while_in_guest",
                "root_volume_never_detached", "no_deadlock"):
        assert entry(pike_r2, pid)["verdict"] == "holds", pid
    for pid in ("detach_can_complete", "detach_can_roll_back", "root_detach_refused"):
        assert entry(pike_r2, pid)["verdict"] == "witnessed", pid


def test_racing_requests_are_serialised_by_the_compare_and_swap(pike_r2):
    """Two requests never both pass begin_detaching while the volume is detaching."""
    run = pike_r2.exploration
    view = run.model.layout.view
    past_cas = ("detaching begun", "at compute", "unplug requested", "guest released", "disk not found",
                "host disconnected", "connection terminated", "cinder detached", "rolling back")
    for state in run.states:
        s = view(state)
        busy = [q for q in s.requests if s.request(q) in past_cas and s.target(q) == "1"]
        assert len(busy) <= 1


@pytest.mark.parametrize("fixture", ["pike_r1", "pike_r2"])
def test_every_counterexample_is_shortest(fixture, request):
    """BFS lengths equal networkx shortest paths on the explored graph, built after the search
    (with symmetry, the graph of canonical states: its distances are the real model's)."""
    result = request.getfixturevalue(fixture)
    run = result.exploration
    arrays = run.graph()  # the explored graph, built after the search
    sources = np.repeat(np.arange(len(run.states)), np.diff(arrays.indptr))
    graph = nx.DiGraph(list(zip(sources.tolist(), arrays.targets.tolist(), strict=True)))
    graph.add_nodes_from(range(len(run.states)))
    lengths = nx.single_source_shortest_path_length(graph, 0)
    view = run.model.layout.view
    for p in result.report["properties"]:
        if p["verdict"] != "violated" or p["kind"] != "always":
            continue
        check = REGISTRY[p["id"]].check
        best = min(lengths[i] for i, st in enumerate(run.states) if not check(view(st)))
        assert p["length"] == best


def test_a_pass_that_speaks_of_nothing_is_marked_vacuous(pike_r2, every_release):
    """Without shelve-offload, `shelved_offloaded_holds_nothing` holds only vacuously."""
    assert entry(pike_r2, "shelved_offloaded_holds_nothing")["vacuous"] is True
    assert entry(pike_r2, "root_volume_never_detached")["vacuous"] is False
    assert entry(every_release["pike-eol"], "shelved_offloaded_holds_nothing")["vacuous"] is False
