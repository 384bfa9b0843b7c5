"""Issue-9 point 6: after a rolled-back detach (the persistent config lost the disk, the live
domain kept it), Ocata GA's next CONFIG|LIVE call fails on the persistent part: DeviceNotFound,
DiskNotFound, logged and ignored, the disconnect skipped, Cinder detaches while the guest still
uses the disk. 16.0.0 (d39934ad6a) and 15.0.7 (539d3bbb8a) detach from the live domain instead."""

from __future__ import annotations

from ._audit import DETACH, run

SEED = [*DETACH, "compute.detach_live", "compute.wait_and_retry_detach:timeout", "compute.roll_detaching"]
AGAIN = ["api.check_instance vol=1", "api.get_volume req=2", "api.check_bdm req=2", "api.begin_detaching req=2",
         "rpc.detach_volume req=2"]


def test_ocata_ga_detaches_in_cinder_while_the_guest_keeps_the_disk():
    final = run("ocata", [*SEED, *AGAIN, "compute.detach_live:not_found req=2",
                          "compute.terminate_connection req=2", "compute.destroy_bdm req=2",
                          "compute.cinder_detach req=2"], requests=2)
    assert final["request[2]"] == "completed"
    assert final["volume[1]"] == "available/detached"
    assert final["disk[1]"] == "live, unplug pending" and final["connection[1]"] == "connected"


def test_ocata_eol_and_pike_detach_from_the_live_domain():
    for release in ("ocata-eol", "pike"):
        final = run(release, [*SEED, *AGAIN, "compute.detach_live req=2"], requests=2)
        assert final["request[2]"] == "unplug requested", release
