"""Issue-9 point 5: deleting an attachment Cinder already deleted gets 404. Before 9b1c078112
(wallaby-eom) that aborts the compute detach (BDM kept) and shelve-offload (after driver.destroy:
the instance stays SHELVED); after it the 404 is ignored."""

from __future__ import annotations

import pytest

from ._audit import DETACH, run

NEW = "style[1]=attachment_id"
TIMED_OUT = [*DETACH, "compute.detach_live", "guest.ack_unplug vol=1", "compute.wait_and_retry_detach",
             "compute.disconnect_volume", "compute.attachment_delete:timeout"]


@pytest.mark.parametrize("release", ["queens", "queens-eol", "wallaby"])
def test_shelve_offload_fails_on_the_404(release):
    final = run(release, [*TIMED_OUT, "compute.shelve_offload:not_found"], start=NEW)
    assert final["instance"] == "SHELVED/None/host"
    assert final["bdm[1]"] == "present" and final["attachment[1]"] == "deleted"
    assert final["volume[1]"] == "reserved/attached"  # the orphaned new reserved attachment


@pytest.mark.parametrize(("release", "disconnect"), [("queens", []), ("wallaby", ["compute.disconnect_volume"])])
def test_a_second_detach_aborts_on_the_404(release, disconnect):
    steps = [*TIMED_OUT, "operator.reset_state:in_use vol=1", "operator.retry_detach",
             "api.check_instance vol=1", "api.get_volume", "api.check_bdm", "api.begin_detaching",
             "rpc.detach_volume", "compute.detach_live:not_found", *disconnect, "compute.attachment_delete:not_found"]
    final = run(release, steps, start=NEW)
    assert final["request[1]"] == "aborted" and final["bdm[1]"] == "present"


@pytest.mark.parametrize("release", ["wallaby-eom", "master"])
def test_the_404_is_ignored(release):
    final = run(release, [*TIMED_OUT[:1], "api.get_volume", "api.check_bdm", "api.begin_detaching",
                          "rpc.detach_volume", "compute.detach_persistent", "compute.detach_live",
                          "guest.ack_unplug vol=1", "compute.wait_and_retry_detach", "compute.disconnect_volume",
                          "compute.attachment_delete:retries_exhausted", "compute.shelve_offload"], start=NEW)
    assert final["instance"] == "SHELVED_OFFLOADED/None/None"
    assert final["attachment[1]"] == "reserved" and final["volume[1]"] == "reserved/attached"
