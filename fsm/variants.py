"""Fix proposals (and regressions) as variants of a release: a few switches changed.

Each is taken from a real upstream change and cites it; `detachcheck compare BASE VARIANT`
checks both and prints what the change does.
"""

from __future__ import annotations

from dataclasses import dataclass

from detachcheck.fsm.releases import RELEASES, Release


@dataclass(frozen=True)
class Variant:
    """A named change to a base release."""

    name: str
    base: str
    summary: str
    cite: str
    changes: dict[str, bool]

    def release(self) -> Release:
        """The base release with this variant's switches applied."""
        return RELEASES[self.base].with_switches(self.name, self.summary, **self.changes)


VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("pike+lock-detach", "pike",
            "run ComputeManager.detach_volume under the per-instance lock",
            "nova commit f0b833a352 'Lock detach_volume' (Stein; backported to 16.1.8, 17.0.10)",
            {"detach_lock": True}),
    Variant("pike+disconnect-on-not-found", "pike",
            "on DeviceNotFound, log and still disconnect the host (no DiskNotFound)",
            "nova commit 92bd7ea118 'libvirt: disconnect volume from host during detach' (LP#1727260, 16.1.2)",
            {"disk_not_found_skips_disconnect": False}),
    Variant("queens-eol-no-rollback-on-ddf", "queens-eol",
            "the regression: DeviceDetachFailed logged and re-raised without roll_detaching",
            "nova commit b16c0f1053 (LP#1750680, 17.0.2), reverted in effect by 3a4b4b91b0 (LP#1786318, 17.0.6)",
            {"device_detach_failed_rolls_back": False}),
    Variant("wallaby+retry-cinder-500", "wallaby",
            "retry Cinder HTTP 500 on the detach calls (a retry that fires), 404 on retry counts as success",
            "nova commits f6206269b7 (LP#1944043) and the Zed attachment_delete 404 handling, both in wallaby-eom",
            {"cinder_timeout_retried": True, "attachment_delete_ignores_404": True}),
    Variant("pike-broken-root-check", "pike",
            "a deliberately broken API that lets the boot volume be detached (must be caught)",
            "none: a test variant, like Hypothesis's deliberately buggy machines",
            {"api_refuses_root_detach": False}),
)}
