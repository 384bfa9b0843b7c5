"""Issue-9 point 4: where the Cinder 500 retry fires (wallaby-eom, master) it makes at most five
attempts, and a proxy's 504 is not retried on os-detach or terminate_connection: a timeout can
still abort the detach with the BDM kept."""

from __future__ import annotations

import pytest

from ._audit import DETACH, run

TO_TERMINATE = [*DETACH, "compute.detach_persistent", "compute.detach_live", "guest.ack_unplug vol=1",
                "compute.wait_and_retry_detach", "compute.disconnect_volume"]


@pytest.mark.parametrize("release", ["wallaby-eom", "master"])
def test_retries_can_run_out(release):
    final = run(release, [*TO_TERMINATE, "compute.terminate_connection:retries_exhausted"])
    assert final["request[1]"] == "aborted"
    assert final["export[1]"] == "unmapped" and final["bdm[1]"] == "present"
    assert final["volume[1]"] == "detaching/attached"
    retried = run(release, [*TO_TERMINATE, "compute.terminate_connection:timeout"])
    assert retried["request[1]"] == "connection terminated"
