"""LP#1727260: DeviceNotFound became DiskNotFound, which skipped the os-brick disconnect.

Fixed by nova 92bd7ea118 "libvirt: disconnect volume from host during detach" (16.1.2, 17.0.1).
The checker finds the leak in pike and ocata, and not in pike-eol or with the fix applied.
"""

from __future__ import annotations

import pytest

from detachcheck.checker.run import run_check
from detachcheck.fsm.variants import VARIANTS

PROP = "available_implies_no_host_connection"


def verdict(result):
    return next(p for p in result.report["properties"] if p["id"] == PROP)


@pytest.mark.parametrize("release", ["ocata", "pike", "queens"])
def test_leak_found_where_disk_not_found_skips_the_disconnect(release):
    entry = verdict(run_check(release, 1, 1, processes=False))
    assert entry["verdict"] == "violated"
    steps = [f"{s['step']}:{s['outcome']}" for s in entry["path"]]
    assert any(s.endswith(":not_found") for s in steps)
    assert "compute.disconnect_volume:ok" not in steps
    assert entry["final_state"]["connection[1]"] == "connected"


@pytest.mark.parametrize("release", ["pike-eol", "queens-eol", "master"])
def test_no_leak_once_fixed(release):
    assert verdict(run_check(release, 1, 2, processes=False))["verdict"] == "holds"


def test_the_fix_as_a_variant_removes_the_leak():
    variant = VARIANTS["pike+disconnect-on-not-found"]
    fixed = run_check("pike", 1, 2, processes=False, variant=variant.release())
    assert verdict(fixed)["verdict"] == "holds"
