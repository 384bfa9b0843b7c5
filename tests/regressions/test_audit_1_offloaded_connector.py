"""Issue-9 point 1: the API-side detach of a shelved-offloaded instance calls terminate_connection
only when the stashed connector's host equals instance.host, which is None once offloaded; a None
host is accepted from 16.1.1 (1e59ed99c7) and 17.0.0 (26e32ce858), never in Ocata. So Pike GA's
offloaded detach leaves the LUN mapped (its shelve-offload did not unmap it either: LP#1547142)."""

from __future__ import annotations

import pytest

from ._audit import run

OFFLOADED_DETACH = ["compute.shelve_offload", "api.check_instance:shelved_offloaded vol=1", "api.get_volume",
                    "api.check_bdm", "api.begin_detaching", "api.detach_shelved_offloaded"]


@pytest.mark.parametrize("release", ["ocata", "pike"])
def test_no_connector_no_unmap(release):
    final = run(release, OFFLOADED_DETACH)
    assert final["volume[1]"] == "available/detached"
    assert final["export[1]"] == "mapped"


@pytest.mark.parametrize("release", ["pike-eol", "queens-eol", "master"])
def test_stashed_connector_unmaps(release):
    final = run(release, OFFLOADED_DETACH)
    assert final["volume[1]"] == "available/detached"
    assert final["export[1]"] == "unmapped"
