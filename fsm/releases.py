"""Releases: named sets of behaviour switches over the one base protocol.

A release never copies a step: a step or outcome that only some releases have carries
`when={switch: value}`, and the release's switches pick it. Every value below was read in
the code at the release's tag: docs/release-switches.md gives file, function and commit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from detachcheck.fsm.lifecycle import Lifecycle
from detachcheck.fsm.protocol import STEPS
from detachcheck.fsm.request import request_lifecycle
from detachcheck.fsm.step import Step

SWITCH_DOCS = {
    "detach_lock": "ComputeManager.detach_volume runs under the per-instance lock (16.1.8, 17.0.10, Stein+)",
    "reboot_lock": "ComputeManager.reboot_instance takes the same lock (Ussuri+, queens-eol)",
    "disk_not_found_skips_disconnect": "DeviceNotFound becomes DiskNotFound, which skips the os-brick "
                                       "disconnect (fixed in 16.1.2, 17.0.1, Rocky)",
    "device_detach_failed_rolls_back": "DeviceDetachFailed leads to roll_detaching (not in 16.1.1-16.1.4, "
                                       "17.0.2-17.0.5: LP#1786318)",
    "bdm_destroyed_before_os_detach": "Ocata order: bdm.destroy() before os-detach",
    "event_based_detach": "persistent detach once, then live detach waiting for libvirt's events "
                          "(23.0.2 backport of Xena e56cc4f)",
    "new_style_attachments": "BDMs may carry an attachment_id (Cinder attachments API, Queens+)",
    "api_compute_up_check": "the API refuses a detach with 409 while nova-compute is down (Wallaby+)",
    "cinder_timeout_retried": "Cinder HTTP 500 on terminate_connection/os-detach/attachment_delete is "
                              "retried and the retry fires (f6206269b7, 25.0.0, wallaby-eom)",
    "attachment_delete_ignores_404": "attachment_delete treats 404 as success (Zed, wallaby-eom)",
    "shelve_offload_terminates_connections": "shelve-offload terminates each volume's connection "
                                             "(LP#1547142: 15.1.0, 16.0.1, Queens+)",
    "cinder_attachment_deletion_allowed": "Cinder refuses to delete an attachment Nova uses without a "
                                          "service token (OSSA-2023-003, Cinder 23.0.0)",
    "nova_manage_volume_attachment": "`nova-manage volume_attachment refresh` exists (Xena 24.0.0+)",
    "api_refuses_root_detach": "the API refuses to detach the boot volume (403/400) — every release; only the "
                               "deliberately broken variant turns it off",
    "offloaded_detach_terminates": "the API-side detach of a shelved-offloaded instance calls terminate_connection "
                                   "with the stashed connector although instance.host is None (26e32ce858 in "
                                   "17.0.0, 1e59ed99c7 in 16.1.1; never in Ocata)",
    "offloaded_detach_reads_bdm_first": "the API-side detach of a shelved-offloaded instance reads the BDM first "
                                        "and skips begin_detaching for an attachment_id (b8704a1d1c, 17.0.10)",
    "ocata_persistent_miss_is_disk_not_found": "the first detach call fails on a disk the persistent config no "
                                               "longer has: DiskNotFound, the live domain untouched (15.0.0-15.0.6; "
                                               "d39934ad6a in 16.0.0, 539d3bbb8a in 15.0.7)",
    "cinder_reset_in_use_needs_attachment": "`cinder reset-state --state in-use` is refused without an attachment "
                                            "row (Cinder 61f1179c0, 20.0.0)",
}


@dataclass(frozen=True)
class Release:
    """A named Nova release: its version and its behaviour switches."""

    name: str
    version: str
    summary: str
    switches: dict[str, bool]

    def keeps(self, when: dict[str, bool]) -> bool:
        """Whether a step or outcome guarded by `when` exists in this release."""
        return all(self.switches[k] == v for k, v in when.items())

    def steps(self) -> tuple[Step, ...]:
        """The protocol steps this release has, each with only the outcomes it has."""
        return tuple(replace(step, outcomes=tuple(o for o in step.outcomes if self.keeps(o.when)))
                     for step in STEPS if self.keeps(step.when))

    def request(self) -> Lifecycle:
        """The detach request's lifecycle in this release."""
        return request_lifecycle(self.steps())

    def with_switches(self, name: str, summary: str, **changes: bool) -> Release:
        """A variant of this release (a fix proposal, a regression) with some switches changed."""
        unknown = set(changes) - set(self.switches)
        if unknown:
            raise ValueError(f"unknown switches: {', '.join(sorted(unknown))}")
        return Release(name, self.version, summary, {**self.switches, **changes})


def _release(name: str, version: str, summary: str, bits: str) -> Release:
    """A release from one character per switch, in SWITCH_DOCS order ('T' or 'F')."""
    keys = list(SWITCH_DOCS)
    if len(bits) != len(keys):
        raise ValueError(f"{name}: {len(bits)} switch values for {len(keys)} switches")
    return Release(name, version, summary, {k: b == "T" for k, b in zip(keys, bits, strict=True)})


#                       lock  reboot-lock  dnf-skip  ddf-roll  ocata-order  events  new-style  up-check
#                       retry  404-ok  shelve-terminates  cinder-guard  root-refused  offloaded-terminates
#                       offloaded-bdm-first  ocata-persistent-miss  reset-in-use-needs-attachment
RELEASES: dict[str, Release] = {r.name: r for r in (
    _release("ocata", "15.0.0", "Ocata GA: no lock; BDM destroyed before os-detach; DiskNotFound skips the "
             "disconnect; shelve-offload leaves the LUNs mapped", "FFTTTFFFFFFFFTFFTF"),
    _release("ocata-eol", "15.x eol", "Ocata's last: shelve-offload terminates connections; still no lock, "
             "DiskNotFound still skips the disconnect", "FFTTTFFFFFTFFTFFFF"),
    _release("pike", "16.0.0", "Pike GA: no instance lock on detach; persistent and live detach in one "
             "libvirt call; DiskNotFound skips the host disconnect; legacy Cinder calls", "FFTTFFFFFFFFFTFFFF"),
    _release("pike-eol", "16.1.8+", "Pike's last: detach under the instance lock; DiskNotFound no longer "
             "skips the disconnect", "TFFTFFFFFFTFFTTFFF"),
    _release("queens", "17.0.0", "Queens GA: new-style attachments (attachment_delete); no lock; DiskNotFound "
             "skips the disconnect", "FFTTFFTFFFTFFTTFFF"),
    _release("queens-eol", "17.x eol", "Queens' last: detach and reboot under the instance lock", "TTFTFFTFFFTFFTTTFF"),
    _release("wallaby", "23.0.0", "Wallaby GA: the API refuses a detach while nova-compute is down",
             "TTFTFFTTFFTFFTTTFF"),
    _release("wallaby-eom", "23.x eom", "Wallaby's last: persistent detach, then live detach waiting for "
             "libvirt's events; Cinder 500s retried", "TTFTFTTTTTTFFTTTFF"),
    _release("master", "2026-08", "master: as wallaby-eom, and Cinder refuses attachment deletion by "
             "non-services while Nova uses it", "TTFTFTTTTTTTTTTTFT"),
)}
