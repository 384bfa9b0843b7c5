"""Releases: named sets of behaviour switches over the one base protocol.

A release never copies a step: an outcome that only some releases have carries
`when={switch: value}`, and the release's switches pick it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from fsm.lifecycle import Lifecycle
from fsm.protocol import STEPS
from fsm.request import request_lifecycle
from fsm.step import Step

SWITCH_DOCS = {
    "disk_not_found_skips_disconnect":
        "libvirt's DeviceNotFound becomes DiskNotFound, which skips the os-brick disconnect "
        "(nova/virt/libvirt/driver.py LibvirtDriver.detach_volume; fixed in 16.1.3 / 17.0.1)",
}


@dataclass(frozen=True)
class Release:
    """A named Nova release: its version and its behaviour switches."""

    name: str
    version: str
    summary: str
    switches: dict[str, bool]

    def steps(self) -> tuple[Step, ...]:
        """The protocol steps with only the outcomes this release has."""
        out = []
        for step in STEPS:
            kept = tuple(o for o in step.outcomes
                         if all(self.switches[k] == v for k, v in o.when.items()))
            out.append(replace(step, outcomes=kept))
        return tuple(out)

    def request(self) -> Lifecycle:
        """The detach request's lifecycle in this release."""
        return request_lifecycle(self.steps())


PIKE = Release(
    name="pike",
    version="16.0.0",
    summary="no instance lock on detach; persistent and live detach in one libvirt call; "
            "DiskNotFound skips the host disconnect; legacy Cinder calls "
            "(begin_detaching, terminate_connection, os-detach)",
    switches={"disk_not_found_skips_disconnect": True},
)

RELEASES: dict[str, Release] = {rel.name: rel for rel in (PIKE,)}
