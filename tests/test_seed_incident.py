"""The seed's incident (2017, DeviceDetachFailed on vdb), found by the checker, not typed in."""

from __future__ import annotations


def steps(entry):
    return [f"{s['step']}:{s['outcome']}" for s in entry["path"]]


def incident(result):
    return next(i for i in result.report["incidents"] if i["id"] == "seed_device_detach_failed")


def test_checker_reaches_the_seed_end_state(pike_r1):
    found = incident(pike_r1)
    assert found["verdict"] == "reached"
    path = steps(found)
    # The guest never acknowledges: no ack step on the path; the wait loop gives up.
    assert "guest.ack_unplug:ok" not in path
    order = ["api.begin_detaching:ok", "rpc.detach_volume:ok", "compute.detach_live:ok",
             "compute.wait_and_retry_detach:timeout", "compute.roll_detaching:ok"]
    assert [p for p in path if p in order] == order
    wait = next(s for s in found["path"] if s["step"] == "compute.wait_and_retry_detach")
    assert "Unable to detach from guest transient domain" in wait["raises"]


def test_seed_end_state_matches_the_log(pike_r1):
    final = incident(pike_r1)["final_state"]
    assert final["volume[1]"] == "in-use/attached"          # in-use -> detaching -> in-use
    assert final["disk[1]"] == "live, unplug pending"       # still in the guest's live domain
    assert final["bdm[1]"] == "present"
    assert final["connection[1]"] == "connected"            # Cinder never reached past the roll
    assert final["export[1]"] == "mapped"
    # The volume went through detaching on the way: begin_detaching then roll_detaching.
    volume_changes = [(c["from"], c["to"]) for s in incident(pike_r1)["path"] for c in s["changes"]
                      if c["component"] == "volume[1]"]
    assert volume_changes == [("in-use/attached", "detaching/attached"), ("detaching/attached", "in-use/attached")]


def test_seed_state_is_what_persistent_matches_live_finds(pike_r1):
    prop = next(p for p in pike_r1.report["properties"] if p["id"] == "persistent_matches_live")
    assert prop["verdict"] == "violated"
    assert steps(prop) == steps(incident(pike_r1))
