"""Issue-9 point 2: a stopped domain is retried on its persistent config only (live=False): the
wait loop cannot meet DeviceNotFound there; with the disk gone it succeeds."""

from __future__ import annotations

import pytest

from ._audit import DETACH, refused, run

STOPPED_MID_DETACH = [*DETACH, "compute.detach_live", "compute.stop"]


@pytest.mark.parametrize("release", ["ocata", "pike", "queens"])
def test_no_device_not_found_while_stopped(release):
    assert "not enabled" in refused(release, [*STOPPED_MID_DETACH, "compute.wait_and_retry_detach:not_found"])
    final = run(release, [*STOPPED_MID_DETACH, "compute.wait_and_retry_detach"])
    assert final["request[1]"] == "guest released"
