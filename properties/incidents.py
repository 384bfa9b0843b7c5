"""Real incidents as end states: the checker reports whether, and how soon, a release reaches each.

Not properties (reaching one is not a verdict on the model): queries whose shortest
path the report prints, so a user sees how their release gets there.

`CATALOGUE` holds every real bug and incident the model reproduces, each with the releases it affects,
the fix and its citation (read in the nova history: docs/release-switches.md); `detachcheck explain`
reports the one a logged path matches. `INCIDENTS` are the ones every `check` queries (its reports
list them): today the seed incident.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from detachcheck.fsm import disk
from detachcheck.fsm import request as req
from detachcheck.fsm.attachment import DELETED
from detachcheck.fsm.bdm import NEW_STYLE, PRESENT
from detachcheck.fsm.connection import CONNECTED
from detachcheck.fsm.disk import ABSENT, LIVE_UNPLUG_PENDING
from detachcheck.fsm.export import MAPPED
from detachcheck.fsm.instance import SHELVED_OFFLOADED
from detachcheck.fsm.view import View
from detachcheck.fsm.volume import AVAILABLE, DETACHING, IN_USE
from detachcheck.properties.registry import SOMETIMES, Predicate, Property


@dataclass(frozen=True)
class Incident:
    """A documented real-world end state (a bug's, or an incident's)."""

    id: str
    source: str
    meaning: str
    check: Predicate
    title: str = ""
    fixed_in: str = ""
    """The first releases with the fix ("" for an incident no fix removes)."""
    affects: str = ""
    """The Nova versions that have it."""
    switches: dict[str, bool] = field(default_factory=dict)
    """A modelled release has it when its switches hold these values (empty: every release can)."""
    markers: tuple[str, ...] = ()
    """`step:outcome` labels one of which a path must take to be this incident (empty: the end state says it)."""

    def as_property(self) -> Property:
        """The incident as a reachability query for the explorer."""
        return Property(self.id, SOMETIMES, self.meaning, self.check)

    def in_release(self, switches: dict[str, bool]) -> bool:
        """Whether a release (by its switches) has this bug."""
        return all(switches.get(k) == v for k, v in self.switches.items())


def seed_incident(s: View) -> bool:
    """A detach rolled back with the disk still in the live guest: Cinder in-use again,
    the disk gone from the persistent config, the unplug still pending, BDM, host
    connection and LUN mapping all still in place."""
    return any(s.request(q) == req.ROLLED_BACK and s.volume(v) == IN_USE and s.disk(v) == LIVE_UNPLUG_PENDING
               and s.bdm(v) == PRESENT and s.connection(v) == CONNECTED and s.export(v) == MAPPED
               for q in s.requests for v in (s.target(q),))


def disk_not_found_leak(s: View) -> bool:
    """A detach that met DiskNotFound finished in Cinder (available) without the host disconnect:
    the iSCSI session, device and multipath map stay on the compute host."""
    return any(s.volume(v) == AVAILABLE and s.connection(v) == CONNECTED and s.disk(v) == ABSENT
               for v in s.data_volumes)


def no_rollback_on_ddf(s: View) -> bool:
    """DeviceDetachFailed logged and re-raised without roll_detaching: Cinder stays `detaching`
    with the disk still in the live guest."""
    return any(s.request(q) == req.ABORTED and s.volume(v) == DETACHING and disk.in_live(s.disk(v))
               for q in s.requests for v in (s.target(q),) if v in s.data_volumes)


def shelve_offload_leaves_export(s: View) -> bool:
    """A shelved-offloaded instance whose volumes are still mapped to its old host on the array."""
    return s.instance() == SHELVED_OFFLOADED and any(s.bdm(v) == PRESENT and s.export(v) == MAPPED
                                                     for v in s.data_volumes)


def bdm_without_attachment(s: View) -> bool:
    """Nova keeps a BDM whose Cinder attachment is gone: the volume shows available in Cinder and
    attached in Nova; every later detach of it fails on the 404."""
    return any(s.get("style", v) == NEW_STYLE and s.bdm(v) == PRESENT and s.attachment(v) == DELETED
               for v in s.data_volumes)


_SEED = Incident(
    "seed_device_detach_failed",
    "shared/seed/000_2211a441efd8faf8.txt (2017-06-20, kolla Ocata/Pike, NetApp iSCSI)",
    "DeviceDetachFailed: Unable to detach from guest transient domain; Cinder in-use -> detaching "
    "-> in-use; the disk stays in the live guest",
    seed_incident,
    title="the seed incident: DeviceDetachFailed rolled back, the disk still in the live guest",
    fixed_in="",
    affects="every release: the guest never acknowledges the unplug (event-based detach, 23.0.2 and Xena, "
            "waits for libvirt's event but ends the same way)",
    markers=("compute.wait_and_retry_detach:timeout", "compute.wait_and_retry_detach:removal_failed"),
)

CATALOGUE: dict[str, Incident] = {i.id: i for i in (
    _SEED,
    Incident(
        "lp1727260_disk_not_found_leak",
        "LP#1727260; nova ce531dd1b7 'libvirt: disconnect volume from host during detach' (18.0.0), backports "
        "92bd7ea118 (16.1.2) and d6a072b5c5 (17.0.1); none to Ocata (docs/release-switches.md, switch 5)",
        "DeviceNotFound became DiskNotFound, which skipped the os-brick disconnect: the volume is available "
        "while the compute host keeps its connection",
        disk_not_found_leak,
        title="LP#1727260: DiskNotFound skips the host disconnect",
        fixed_in="16.1.2 / 17.0.1 (18.0.0)",
        affects="15.x (never fixed in Ocata), 16.0.0-16.1.1, 17.0.0",
        switches={"disk_not_found_skips_disconnect": True},
        markers=("compute.detach_live:not_found", "compute.wait_and_retry_detach:not_found"),
    ),
    Incident(
        "lp1786318_no_rollback_on_device_detach_failed",
        "LP#1786318; regression b16c0f1053 (LP#1750680: 16.1.1, 17.0.2), fixed by 3a4b4b91b0 "
        "'block_device: Rollback volumes to in-use on DeviceDetachFailed' (18.0.0; 16.1.5, 17.0.6) "
        "(docs/release-switches.md, switch 6)",
        "DeviceDetachFailed is logged as 'Guest refused to detach volume' and re-raised without roll_detaching: "
        "Cinder stays detaching with the disk in the live guest",
        no_rollback_on_ddf,
        title="LP#1786318: no roll-back on DeviceDetachFailed",
        fixed_in="16.1.5 / 17.0.6 (18.0.0)",
        affects="16.1.1-16.1.4, 17.0.2-17.0.5 (variant queens-eol-no-rollback-on-ddf)",
        switches={"device_detach_failed_rolls_back": False},
        markers=("compute.wait_and_retry_detach:timeout",),
    ),
    Incident(
        "lp1547142_shelve_offload_leaves_luns_mapped",
        "LP#1547142; nova e89e1bdc60 'Call terminate_connection when shelve_offloading' (17.0.0), backports "
        "286fa12ad1 (15.1.0) and 8365eb6cb9 (16.0.1) (docs/release-switches.md, switch 14b)",
        "shelve-offload destroyed the domain and disconnected the host but made no Cinder call: the array "
        "keeps the LUNs mapped to the old host",
        shelve_offload_leaves_export,
        title="LP#1547142: shelve-offload leaves the LUNs mapped",
        fixed_in="15.1.0 / 16.0.1 (17.0.0)",
        affects="15.0.x, 16.0.0",
        switches={"shelve_offload_terminates_connections": False},
        markers=("compute.shelve_offload:ok",),
    ),
    Incident(
        "lp1978444_bdm_left_after_attachment_delete_timeout",
        "LP#1944043 and LP#1978444; nova f6206269b7 'Fix the wrong exception used to retry detach API calls' "
        "(25.0.0) and 8f4b740ca5 (26.0.0, attachment_delete ignores 404), Wallaby backports 7168314dd1 and "
        "9b1c078112 in wallaby-eom only (docs/release-switches.md, switches 12 and 13)",
        "attachment_delete timed out after cinder-volume deleted the attachment: Nova aborted and kept the BDM, "
        "Cinder shows the volume available; a retry then fails on the 404",
        bdm_without_attachment,
        title="BDM kept after a timed-out attachment_delete (LP#1978444)",
        fixed_in="wallaby-eom (9b1c078112; 25.0.0 / 26.0.0)",
        affects="17.0.0 to 23.x (Queens to Wallaby before wallaby-eom), new-style attachments",
        switches={"new_style_attachments": True, "cinder_timeout_retried": False},
        markers=("compute.attachment_delete:timeout", "compute.attachment_delete:not_found"),
    ),
)}
"""Every real bug and incident the model reproduces."""

INCIDENTS: dict[str, Incident] = {"seed_device_detach_failed": _SEED}
"""The incidents every check queries (report entries); the rest of CATALOGUE is for explain."""
