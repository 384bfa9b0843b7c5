"""LP#1547142: shelve-offload did not terminate the volume connections, so the array kept the
LUNs mapped to a host the instance had left. Fixed in 15.1.0 and 16.0.1; the GA tags have it."""

from __future__ import annotations

import pytest


def entry(result, pid="shelved_offloaded_holds_nothing"):
    return next(p for p in result.report["properties"] if p["id"] == pid)


@pytest.mark.parametrize("release", ["ocata", "pike"])
def test_ga_releases_leave_the_export_mapped(every_release, release):
    e = entry(every_release[release])
    assert e["verdict"] == "violated"
    assert [s["step"] for s in e["path"]] == ["compute.shelve_offload"]
    assert e["final_state"]["export[1]"] == "mapped"
    assert e["final_state"]["instance"] == "SHELVED_OFFLOADED/None/None"


@pytest.mark.parametrize("release", ["ocata-eol", "pike-eol", "queens", "master"])
def test_fixed_releases_unmap_on_shelve_offload(every_release, release):
    assert entry(every_release[release])["verdict"] == "holds"
    assert entry(every_release[release], "instance_shelved_offloaded")["verdict"] == "witnessed"
