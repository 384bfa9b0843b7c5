"""Issue-9 point 7: VolumeAttachmentController.delete reads the instance first; every later API
check judges that read. A shelve-offload after the read does not stop the cast: the compute
finds no domain (InstanceNotFound, `domain_gone`). From Wallaby the service-up check reads the
service later, just before begin_detaching."""

from __future__ import annotations

from ._audit import refused, run


def test_the_instance_is_the_first_read():
    assert "not enabled" in refused("pike", ["api.get_volume vol=1"])
    final = run("pike", ["api.check_instance vol=1", "compute.shelve_offload", "api.get_volume", "api.check_bdm",
                         "api.begin_detaching", "rpc.detach_volume", "compute.detach_live:domain_gone"])
    assert final["request[1]"] == "guest released"
    assert final["instance"] == "SHELVED_OFFLOADED/None/None"


def test_wallaby_checks_the_service_just_before_begin_detaching():
    final = run("wallaby", ["api.check_instance vol=1", "api.get_volume", "api.check_bdm", "compute.crash",
                            "api.begin_detaching:service_down"])
    assert final["request[1]"] == "rejected" and final["volume[1]"] == "in-use/attached"
