"""Issue-9 point 3: Queens GA calls begin_detaching for every BDM of a shelved-offloaded instance,
so a new-style (attachment_id) volume, `reserved` there, gets HTTP 400 and nothing changes;
b8704a1d1c (17.0.10, queens-eol) reads the BDM first and skips begin_detaching for it."""

from __future__ import annotations

from ._audit import refused, run

NEW = "style[1]=attachment_id"
UP_TO_BDM = ["compute.shelve_offload", "api.check_instance:shelved_offloaded vol=1", "api.get_volume",
             "api.check_bdm"]


def test_queens_ga_refuses_a_reserved_volume():
    final = run("queens", [*UP_TO_BDM, "api.begin_detaching:invalid"], start=NEW)
    assert final["request[1]"] == "rejected"
    assert final["volume[1]"] == "reserved/attached" and final["bdm[1]"] == "present"
    assert "not enabled" in refused("queens", [*UP_TO_BDM, "api.detach_shelved_offloaded"], start=NEW)


def test_queens_eol_skips_begin_detaching():
    final = run("queens-eol", [*UP_TO_BDM, "api.detach_shelved_offloaded"], start=NEW)
    assert final["request[1]"] == "completed"
    assert final["volume[1]"] == "available/detached" and final["bdm[1]"] == "destroyed"
