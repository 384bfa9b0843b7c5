"""The detach protocol, and the processes that interleave with it, as atomic steps.

Step names are domain.md section 4's. The base is Nova 16.0.0 (Pike GA); behaviour that
differs between releases is a step or outcome guarded by a release switch (`when=`, see
`fsm/releases.py`), never a copy of a release. Each step cites the code it stands for; each
outcome names the exception the real code raises and what it does with it.
"""

from __future__ import annotations

from detachcheck.fsm import disk as d
from detachcheck.fsm import request as r
from detachcheck.fsm.attachment import ATTACHED, DELETED, ERROR_DETACHING
from detachcheck.fsm.attachment import RESERVED as RESERVED_ATTACHMENT
from detachcheck.fsm.bdm import DESTROYED, LEGACY, NEW_STYLE, PRESENT
from detachcheck.fsm.export import MAPPED, UNMAPPED
from detachcheck.fsm.instance import ACTIVE, ERROR, ON_HOST, SHELVED, SHELVED_OFFLOADED, STOPPED
from detachcheck.fsm.service import DOWN, UP
from detachcheck.fsm.step import DATA, FAST, INSTANCE, PROCESS, ROOT, SLOW, VOLUME, Effect, Outcome, Step
from detachcheck.fsm.volume import AVAILABLE, DETACHING, IN_USE, RESERVED

_NOT_IN_USE = (DETACHING, AVAILABLE, RESERVED)
_HOST = (*ON_HOST, ERROR)  # the domain exists on the host
_SKIP = "disk_not_found_skips_disconnect"
_ROLL = "device_detach_failed_rolls_back"
_RETRY = "cinder_timeout_retried"
_EVENTS = "event_based_detach"
_OCATA = "bdm_destroyed_before_os_detach"
_OCATA_MISS = "ocata_persistent_miss_is_disk_not_found"
_ABORT = "propagates out of ComputeManager.detach_volume: no roll_detaching, BDM kept"
_ROLLS = "driver_detach: roll_detaching, then re-raise"
_DELETE = ("nova-api DELETE /servers/{id}/os-volume_attachments/{volume}: one thread from reading the "
           "instance to the RPC cast (or to the end of the shelved-offloaded clean-up)")

# ---------------------------------------------------------------- nova-api

_BDM = {"bdm": (PRESENT,)}
_DELETE_CITE = "nova/api/openstack/compute/volumes.py VolumeAttachmentController.delete"
_BDM_FIRST = "offloaded_detach_reads_bdm_first"

API_CHECK_INSTANCE = Step(
    name="api.check_instance", duration=FAST, sync=_DELETE, actor="nova-api", at=(r.IDLE,), binds_volume=True,
    cite=f"{_DELETE_CITE} (common.get_instance comes first; nova/compute/api.py API.detach_volume's decorators "
         "check_instance_lock and check_instance_state judge that read, never refreshed) @ pike",
    outcomes=(
        Outcome("ok", r.INSTANCE_CHECKED, requires={"instance": (*ON_HOST, SHELVED)},
                note="the instance as read now decides every later API check"),
        Outcome("shelved_offloaded", r.OFFLOADED_CHECKED, requires={"instance": (SHELVED_OFFLOADED,)},
                note="API.detach_volume will take _detach_volume_shelved_offloaded: all in nova-api"),
        Outcome("invalid", r.REJECTED, requires={"instance": (ERROR,)},
                raises="InstanceInvalidState", handling="HTTP 409; nothing changed"),
    ),
)


def _api_reads(at: str, volume_read: str, bdm_found: str) -> tuple[Step, Step]:
    """The volume GET and the BDM look-up, on the on-host or the shelved-offloaded branch."""
    get_volume = Step(
        name="api.get_volume", duration=FAST, sync=_DELETE, actor="nova-api", at=(at,),
        cite=f"{_DELETE_CITE} -> nova/volume/cinder.py API.get @ pike",
        outcomes=(
            Outcome("ok", volume_read, note="the volume (and its attachments) read from Cinder"),
            Outcome("error", r.API_FAILED, fault=True, raises="CinderClientException",
                    handling="HTTP 500 to the user; nothing changed"),
        ),
    )
    check_bdm = Step(
        name="api.check_bdm", duration=FAST, sync=_DELETE, actor="nova-api", at=(volume_read,),
        cite=f"{_DELETE_CITE} (scan of BlockDeviceMappingList.get_by_instance_uuid; Queens+: "
             "BlockDeviceMapping.get_by_volume_and_instance) @ pike",
        outcomes=(
            Outcome("ok", bdm_found, requires={"bdm": (PRESENT,)}, volume=DATA),
            Outcome("root", r.REJECTED, requires={"bdm": (PRESENT,)}, volume=ROOT,
                    when={"api_refuses_root_detach": True},
                    raises="HTTPForbidden", handling="403 \"Can't detach root device volume\" (400 from Rocky)"),
            Outcome("ok", bdm_found, requires={"bdm": (PRESENT,)}, volume=ROOT,
                    when={"api_refuses_root_detach": False},
                    note="a deliberately broken API that lets the boot volume through (test variant only)"),
            Outcome("not_found", r.REJECTED, requires={"bdm": (DESTROYED,)},
                    raises="HTTPNotFound", handling="404 \"volume_id not found\""),
        ),
    )
    return get_volume, check_bdm


API_GET_VOLUME, API_CHECK_BDM = _api_reads(r.INSTANCE_CHECKED, r.VOLUME_READ, r.BDM_FOUND)
API_GET_VOLUME_OFFLOADED, API_CHECK_BDM_OFFLOADED = _api_reads(
    r.OFFLOADED_CHECKED, r.OFFLOADED_VOLUME_READ, r.OFFLOADED_BDM_FOUND)

_INVALID = Outcome("invalid", r.REJECTED, requires={"volume": _NOT_IN_USE},
                   raises="InvalidInput -> InvalidVolume", handling="HTTP 400; nothing changed",
                   note="the compare-and-swap fails: the volume is not in-use/attached")
_BEGIN_ERROR = Outcome("error", r.API_FAILED, fault=True, raises="CinderClientException",
                       handling="HTTP 500; nothing changed")
_BEGIN_FIRES = (("volume", "begin_detaching"),)

API_BEGIN_DETACHING = Step(
    name="api.begin_detaching", duration=FAST, sync=_DELETE, actor="nova-api", at=(r.BDM_FOUND,),
    cite="nova/compute/api.py API._detach_volume -> cinder/volume/api.py API.begin_detaching "
         "(conditional update: a compare-and-swap); W+: check_instance_host(check_is_up=True) reads the "
         "compute service's state just before @ pike",
    outcomes=(
        Outcome("ok", r.DETACHING_BEGUN, fires=_BEGIN_FIRES, note="Cinder in-use -> detaching",
                when={"api_compute_up_check": False}),
        Outcome("ok", r.DETACHING_BEGUN, requires={"service": (UP,)}, fires=_BEGIN_FIRES,
                note="Cinder in-use -> detaching", when={"api_compute_up_check": True}),
        _INVALID, _BEGIN_ERROR,
        Outcome("service_down", r.REJECTED, requires={"service": (DOWN,)},
                raises="ServiceUnavailable", handling="HTTP 409; nothing changed", when={"api_compute_up_check": True}),
    ),
)

_BDM_GONE = Outcome(
    "bdm_gone", r.ABORTED, requires={"bdm": (DESTROYED,)},
    raises="VolumeBDMNotFound (HTTP 500)",
    handling="BlockDeviceMapping.get_by_volume_id raises before any clean-up: nothing is undone",
    note="another detach destroyed the BDM since this request checked it")
_BDM_GONE_FIRST = Outcome(
    "bdm_gone", r.ABORTED, requires={"bdm": (DESTROYED,)}, raises="VolumeBDMNotFound (HTTP 500)",
    handling="the BDM is read before any Cinder call: nothing changed",
    note="another detach destroyed the BDM since this request checked it")

_OFFLOADED = "nova/compute/api.py API._detach_volume_shelved_offloaded"

API_BEGIN_DETACHING_OFFLOADED = Step(
    name="api.begin_detaching", duration=FAST, sync=_DELETE, actor="nova-api", at=(r.OFFLOADED_BDM_FOUND,),
    when={_BDM_FIRST: False},
    cite=f"{_OFFLOADED} -> cinder API.begin_detaching, unconditional and before the BDM read (a new-style volume "
         "is `reserved` here: HTTP 400) @ pike",
    outcomes=(Outcome("ok", r.OFFLOADED_BEGUN, fires=_BEGIN_FIRES, note="Cinder in-use -> detaching"),
              _INVALID, _BEGIN_ERROR),
)

API_BEGIN_DETACHING_OFFLOADED_BDM_FIRST = Step(
    name="api.begin_detaching", duration=FAST, sync=_DELETE, actor="nova-api", at=(r.OFFLOADED_BDM_FOUND,),
    when={_BDM_FIRST: True},
    cite=f"{_OFFLOADED} (b8704a1d1c: the BDM read first; begin_detaching only without attachment_id) @ queens-eol",
    outcomes=(
        Outcome("ok", r.OFFLOADED_BEGUN, requires={"style": (LEGACY,), "bdm": (PRESENT,)}, fires=_BEGIN_FIRES,
                note="Cinder in-use -> detaching"),
        Outcome("invalid", r.REJECTED, requires={"volume": _NOT_IN_USE, "style": (LEGACY,), "bdm": (PRESENT,)},
                raises="InvalidInput -> InvalidVolume", handling="HTTP 400; nothing changed",
                note="the compare-and-swap fails: the volume is not in-use/attached"),
        Outcome("error", r.API_FAILED, requires={"style": (LEGACY,), "bdm": (PRESENT,)}, fault=True,
                raises="CinderClientException", handling="HTTP 500; nothing changed"),
        _BDM_GONE_FIRST,
    ),
)

_CLEANUP = "nova/compute/api.py API._local_cleanup_bdm_volumes"
_LEGACY_DETACH = (("volume", "detach"), ("attachment", "detach"), ("bdm", "destroy"))
_LEGACY_ERROR = Outcome(
    "error", r.ABORTED, requires={"style": (LEGACY,), **_BDM}, fires=(("bdm", "destroy"),), fault=True,
    raises="VolumeBackendAPIException (HTTP 500)",
    handling="logged only; bdm.destroy() still runs: Cinder keeps detaching with no BDM")


def _legacy_cleanup(bdm_gone: tuple[Outcome, ...]) -> tuple[Outcome, ...]:
    return (
        Outcome("ok", r.COMPLETED, requires={"style": (LEGACY,), **_BDM}, fires=_LEGACY_DETACH,
                when={"offloaded_detach_terminates": False},
                note="no connector for an instance without a host: os-detach only, the array keeps its LUN mapping"),
        Outcome("ok", r.COMPLETED, requires={"style": (LEGACY,), **_BDM},
                fires=(("export", "terminate_connection"), *_LEGACY_DETACH), when={"offloaded_detach_terminates": True},
                note="terminate_connection with the stashed connector, os-detach; the BDM is destroyed"),
        _LEGACY_ERROR, *bdm_gone,
    )


API_DETACH_SHELVED_OFFLOADED = Step(
    name="api.detach_shelved_offloaded", duration=SLOW, sync=_DELETE, actor="nova-api", at=(r.OFFLOADED_BEGUN,),
    when={_BDM_FIRST: False},
    cite=f"{_CLEANUP} (terminate_connection only when _get_stashed_volume_connector finds the connector's host "
         "equal to instance.host; os-detach; exceptions only logged; bdm.destroy() always) @ pike",
    outcomes=_legacy_cleanup((_BDM_GONE,)),
)

API_DETACH_SHELVED_OFFLOADED_BDM_FIRST = Step(
    name="api.detach_shelved_offloaded", duration=SLOW, sync=_DELETE, actor="nova-api", at=(r.OFFLOADED_BEGUN,),
    when={_BDM_FIRST: True},
    cite=f"{_CLEANUP} (the BDM already read; terminate_connection with the stashed connector, os-detach; "
         "exceptions only logged; bdm.destroy() always) @ queens-eol",
    outcomes=_legacy_cleanup(()),
)

_NEW_CLEANUP = (
    Outcome("ok", r.COMPLETED, requires={"style": (NEW_STYLE,), **_BDM, "attachment": (ATTACHED, RESERVED_ATTACHMENT)},
            fires=(("export", "terminate_connection"), ("attachment", "delete"),
                   ("volume", "attachment_delete"), ("bdm", "destroy")),
            note="attachment_delete; the BDM is destroyed"),
    Outcome("error", r.ABORTED, requires={"style": (NEW_STYLE,), **_BDM}, fires=(("bdm", "destroy"),), fault=True,
            raises="VolumeBackendAPIException (HTTP 500)",
            handling="logged only; bdm.destroy() still runs: the attachment stays with no BDM"),
    Outcome("not_found", r.ABORTED, requires={"style": (NEW_STYLE,), **_BDM, "attachment": (DELETED,)},
            fires=(("bdm", "destroy"),), raises="VolumeAttachmentNotFound (HTTP 404)",
            handling="logged only; bdm.destroy() still runs", when={"attachment_delete_ignores_404": False}),
    Outcome("not_found", r.COMPLETED, requires={"style": (NEW_STYLE,), **_BDM, "attachment": (DELETED,)},
            fires=(("bdm", "destroy"),), raises="VolumeAttachmentNotFound (HTTP 404)",
            handling="nova/volume/cinder.py API.attachment_delete ignores the 404; bdm.destroy()",
            when={"attachment_delete_ignores_404": True}),
)

API_DETACH_SHELVED_OFFLOADED_NEW = Step(
    name="api.detach_shelved_offloaded", duration=SLOW, sync=_DELETE, actor="nova-api", at=(r.OFFLOADED_BEGUN,),
    when={"new_style_attachments": True, _BDM_FIRST: False},
    cite=f"{_CLEANUP} (attachment_delete after begin_detaching; exceptions only logged; bdm.destroy() always) "
         "@ queens",
    outcomes=(*_NEW_CLEANUP, _BDM_GONE),
)

API_DETACH_SHELVED_OFFLOADED_NEW_BDM_FIRST = Step(
    name="api.detach_shelved_offloaded", duration=SLOW, sync=_DELETE, actor="nova-api", at=(r.OFFLOADED_BDM_FOUND,),
    when={"new_style_attachments": True, _BDM_FIRST: True},
    cite=f"{_OFFLOADED} (b8704a1d1c: the BDM read first, no begin_detaching for an attachment_id) -> "
         f"{_CLEANUP} (attachment_delete; exceptions only logged; bdm.destroy() always) @ queens-eol",
    outcomes=(*_NEW_CLEANUP, _BDM_GONE_FIRST),
)

RPC_DETACH_VOLUME = Step(
    name="rpc.detach_volume", duration=FAST, sync=_DELETE, actor="nova-api", at=(r.DETACHING_BEGUN,),
    cite="nova/compute/rpcapi.py ComputeAPI.detach_volume (a cast: the API answers 202 at once) @ pike",
    outcomes=(
        Outcome("ok", r.AT_COMPUTE,
                note="the cast is queued for nova-compute (it waits there while the service is down)"),
        Outcome("lost", r.LOST, fault=True, handling="nobody is told; Cinder stays detaching",
                note="the cast never reaches nova-compute"),
    ),
)

# ---------------------------------------------------------------- nova-compute: guest detach

_DRIVER_CHAIN = ("nova/compute/manager.py ComputeManager.detach_volume -> nova/virt/block_device.py "
                 "DriverVolumeBlockDevice.driver_detach -> nova/virt/libvirt/driver.py LibvirtDriver.detach_volume")

_COMPUTE_BDM_GONE = Outcome(
    "bdm_gone", r.ABORTED, requires={"bdm": (DESTROYED,)}, raises="VolumeBDMNotFound",
    handling="BlockDeviceMapping.get_by_volume_and_instance raises before anything else: no roll_detaching",
    note="a racing detach destroyed the BDM after this request passed the API")

COMPUTE_DETACH_LIVE = Step(
    name="compute.detach_live", duration=SLOW,
    actor="nova-compute", at=(r.AT_COMPUTE,), needs_service=True, lock="detach_lock",
    cite=f"{_DRIVER_CHAIN} -> nova/virt/libvirt/guest.py Guest.detach_device_with_retry "
         "(first attempt: CONFIG|LIVE in one call; CONFIG only if the domain is not running) @ pike",
    when={_EVENTS: False},
    outcomes=(
        Outcome("ok", r.UNPLUG_REQUESTED, requires={**_BDM, "instance": _HOST, "disk": (*d.LIVE_STATES, d.PERSISTENT)},
                fires=(("disk", "detach_persistent_and_live"),), when={_OCATA_MISS: False},
                note="disk removed from the persistent config; the guest is asked to unplug it"),
        Outcome("ok", r.UNPLUG_REQUESTED, requires={**_BDM, "instance": _HOST, "disk": d.IN_PERSISTENT},
                fires=(("disk", "detach_persistent_and_live"),), when={_OCATA_MISS: True},
                note="disk removed from the persistent config; the guest is asked to unplug it"),
        Outcome("not_found", r.DISK_NOT_FOUND, requires={**_BDM, "instance": _HOST, "disk": (d.ABSENT,)},
                raises="DeviceNotFound -> DiskNotFound",
                handling="driver_detach logs a warning and carries on; the os-brick disconnect is skipped",
                note="Guest.get_disk finds no such disk", when={_SKIP: True, _OCATA_MISS: False}),
        Outcome("not_found", r.DISK_NOT_FOUND, requires={**_BDM, "instance": _HOST,
                                                         "disk": (d.ABSENT, d.LIVE, d.LIVE_UNPLUG_PENDING)},
                raises="DeviceNotFound -> DiskNotFound",
                handling="driver_detach logs a warning and carries on; the os-brick disconnect is skipped",
                note="Guest.get_disk finds no such disk, or (15.0.0-15.0.6) the CONFIG|LIVE call fails on the "
                     "persistent part first: the live domain keeps the disk", when={_SKIP: True, _OCATA_MISS: True}),
        Outcome("not_found", r.GUEST_RELEASED, requires={**_BDM, "instance": _HOST, "disk": (d.ABSENT,)},
                raises="DeviceNotFound", handling="logged at info; the disconnect still runs",
                note="Guest.get_disk finds no such disk", when={_SKIP: False}),
        Outcome("domain_gone", r.GUEST_RELEASED, requires={**_BDM, "instance": (SHELVED_OFFLOADED, SHELVED)},
                raises="InstanceNotFound", handling="warning 'instance disappeared'; the disconnect still runs",
                note="the instance was shelved(-offloaded) meanwhile: no domain on this host"),
        Outcome("error", r.ROLLING_BACK, requires={**_BDM, "instance": _HOST, "disk": (*d.LIVE_STATES, d.PERSISTENT)},
                fault=True, raises="libvirtError", handling=_ROLLS,
                note="libvirt refuses the detach; nothing changed in the guest"),
        _COMPUTE_BDM_GONE,
    ),
)

COMPUTE_DETACH_PERSISTENT = Step(
    name="compute.detach_persistent", duration=SLOW, actor="nova-compute", at=(r.AT_COMPUTE,), needs_service=True,
    lock="detach_lock", when={_EVENTS: True},
    cite=f"{_DRIVER_CHAIN} -> _detach_with_retry -> _detach_from_persistent (CONFIG only, once, "
         "never retried) @ wallaby-eom",
    outcomes=(
        Outcome("ok", r.PERSISTENT_DETACHED,
                requires={**_BDM, "instance": _HOST, "disk": (d.PERSISTENT_AND_LIVE, d.PERSISTENT_AND_LIVE_PENDING,
                                                      d.PERSISTENT)},
                fires=(("disk", "detach_persistent"),), note="disk removed from the persistent config"),
        Outcome("live_only", r.PERSISTENT_DETACHED,
                requires={**_BDM, "instance": _HOST, "disk": (d.LIVE, d.LIVE_UNPLUG_PENDING)},
                note="the persistent config no longer has it: only the live detach is left"),
        Outcome("not_found", r.GUEST_RELEASED, requires={**_BDM, "instance": _HOST, "disk": (d.ABSENT,)},
                raises="DeviceNotFound", handling="logged; the disconnect still runs"),
        Outcome("domain_gone", r.GUEST_RELEASED, requires={**_BDM, "instance": (SHELVED_OFFLOADED, SHELVED)},
                raises="InstanceNotFound", handling="warning 'instance disappeared'; the disconnect still runs"),
        Outcome("error", r.ROLLING_BACK, requires={**_BDM, "instance": _HOST, "disk": d.ALL[:-1]}, fault=True,
                raises="libvirtError", handling=_ROLLS),
        _COMPUTE_BDM_GONE,
    ),
)

COMPUTE_DETACH_LIVE_EVENTS = Step(
    name="compute.detach_live", duration=SLOW, actor="nova-compute", at=(r.PERSISTENT_DETACHED,), needs_service=True,
    lock="detach_lock", when={_EVENTS: True},
    cite="nova/virt/libvirt/driver.py LibvirtDriver._detach_from_live_with_retry -> "
         "_detach_from_live_and_wait_for_event (LIVE only, then wait for libvirt's event) @ wallaby-eom",
    outcomes=(
        Outcome("ok", r.UNPLUG_REQUESTED, requires={"instance": (ACTIVE,), "disk": d.LIVE_STATES},
                fires=(("disk", "detach_live"),), note="the guest is asked to unplug the disk"),
        Outcome("not_live", r.GUEST_RELEASED, requires={"disk": (d.ABSENT, d.PERSISTENT)},
                note="the live domain does not have it (domain not running): nothing to wait for"),
        Outcome("error", r.ROLLING_BACK, requires={"instance": (ACTIVE,), "disk": d.LIVE_STATES}, fault=True,
                raises="libvirtError", handling=_ROLLS),
    ),
)

GUEST_ACK_UNPLUG = Step(
    name="guest.ack_unplug", duration=SLOW, actor="libvirt/guest", scope=VOLUME,
    cite="guest OS ACPI hot-unplug acknowledgement; libvirt drops the disk from the live XML "
         "(nova/virt/libvirt/guest.py Guest.get_disk then no longer finds it) @ pike",
    outcomes=(
        Outcome("ok", requires={"instance": (ACTIVE,)}, fires=(("disk", "ack_unplug"),),
                note="the guest lets go of the disk, whenever it gets to it (or never)"),
    ),
)

GUEST_REMOVAL_FAILED = Step(
    name="guest.removal_failed", duration=SLOW, actor="libvirt/guest", scope=VOLUME, when={_EVENTS: True},
    cite="libvirt VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED, handled by nova/virt/libvirt/driver.py "
         "LibvirtDriver._detach_from_live_and_wait_for_event @ wallaby-eom",
    outcomes=(
        Outcome("ok", requires={"instance": (ACTIVE,)}, fires=(("disk", "refuse_unplug"),),
                note="the guest refuses the unplug; libvirt emits device-removal-failed"),
    ),
)

_GONE = (d.ABSENT,)
_WAIT_GONE = {"disk": _GONE}
_DDF = "DeviceDetachFailed: Unable to detach from guest transient domain."

COMPUTE_WAIT_AND_RETRY_DETACH = Step(
    name="compute.wait_and_retry_detach", duration=SLOW,
    actor="nova-compute", at=(r.UNPLUG_REQUESTED,), needs_service=True,
    lock="detach_lock", when={_EVENTS: False},
    cite="nova/virt/libvirt/guest.py Guest.detach_device_with_retry._do_wait_and_retry_detach "
         "(RetryDecorator max_retry_count=7: re-reads the XML, live-only retry) @ pike",
    outcomes=(
        Outcome("ok", r.GUEST_RELEASED, requires=_WAIT_GONE, note="the XML no longer has the disk"),
        Outcome("ok", r.GUEST_RELEASED, requires={"instance": (ACTIVE,), "disk": (d.PERSISTENT,)},
                note="the live XML no longer has the disk (the persistent config has it again)"),
        Outcome("not_found", r.DISK_NOT_FOUND, requires={"instance": (ACTIVE,), **_WAIT_GONE},
                raises="libvirtError VIR_ERR_OPERATION_FAILED 'not found' -> DeviceNotFound -> DiskNotFound",
                handling="escapes the retry loop; driver_detach logs a warning and carries on; "
                         "the os-brick disconnect is skipped",
                note="the guest's ack lands between the XML re-read and the live-only retry", when={_SKIP: True}),
        Outcome("timeout", r.ROLLING_BACK, requires={"instance": (ACTIVE,), "disk": d.LIVE_STATES},
                fires=(("disk", "detach_live"),), fault=True, determined=True, raises=_DDF, handling=_ROLLS,
                note="the guest never acknowledged within the retries (about 56 s; 270 s from 23.0.0)",
                when={_ROLL: True}),
        Outcome("timeout", r.ABORTED, requires={"instance": (ACTIVE,), "disk": d.LIVE_STATES},
                fires=(("disk", "detach_live"),), fault=True, determined=True, raises=_DDF,
                handling="driver_detach's DeviceDetachFailed branch logs 'Guest refused to detach volume' "
                         "and re-raises without roll_detaching",
                note="the guest never acknowledged within the retries", when={_ROLL: False}),
        Outcome("error", r.ROLLING_BACK, requires={"instance": (ACTIVE,), "disk": d.LIVE_STATES}, fault=True,
                raises="libvirtError", handling=_ROLLS, note="libvirt fails the live-only retry"),
        Outcome("error", r.ROLLING_BACK, requires={"instance": (STOPPED,), "disk": (d.PERSISTENT,)}, fault=True,
                determined=True, raises="libvirtError (domain is not running)", handling=_ROLLS,
                note="the instance was stopped meanwhile: the persistent XML still lists the disk"),
    ),
)

COMPUTE_WAIT_FOR_EVENT = Step(
    name="compute.wait_and_retry_detach", duration=SLOW,
    actor="nova-compute", at=(r.UNPLUG_REQUESTED,), needs_service=True,
    lock="detach_lock", when={_EVENTS: True},
    cite="nova/virt/libvirt/driver.py LibvirtDriver._detach_from_live_with_retry "
         "([libvirt]device_detach_attempts=8, device_detach_timeout=20 s each) @ wallaby-eom",
    outcomes=(
        Outcome("ok", r.GUEST_RELEASED, requires={"disk": (d.ABSENT, d.PERSISTENT)},
                note="DEVICE_REMOVED arrived (or the live XML no longer has the disk)"),
        Outcome("removal_failed", r.ROLLING_BACK, requires={"instance": (ACTIVE,),
                                                             "disk": (d.LIVE, d.PERSISTENT_AND_LIVE)},
                fault=True, determined=True, raises="DeviceDetachFailed (device removal failed)", handling=_ROLLS,
                note="libvirt reported DEVICE_REMOVAL_FAILED: no retry"),
        Outcome("timeout", r.ROLLING_BACK, requires={"instance": (ACTIVE,), "disk": d.PENDING},
                fires=(("disk", "detach_live"),), fault=True, determined=True,
                raises="DeviceDetachFailed: Run out of retry while detaching device", handling=_ROLLS,
                note="no event in any of the attempts (about 160 s)"),
        Outcome("error", r.ROLLING_BACK, requires={"instance": (ACTIVE,), "disk": d.LIVE_STATES}, fault=True,
                raises="libvirtError", handling=_ROLLS),
    ),
)

COMPUTE_DISCONNECT_VOLUME = Step(
    name="compute.disconnect_volume", duration=SLOW, actor="os-brick", at=(r.GUEST_RELEASED,), needs_service=True,
    lock="detach_lock",
    cite="nova/virt/libvirt/driver.py LibvirtDriver.detach_volume -> _disconnect_volume -> "
         "os_brick/initiator/connectors/iscsi.py ISCSIConnector.disconnect_volume @ pike",
    outcomes=(
        Outcome("ok", r.HOST_DISCONNECTED, fires=(("connection", "disconnect_volume"),),
                note="iSCSI session logged out, /dev/disk/by-path link gone"),
        Outcome("error", r.ROLLING_BACK, requires={"connection": ("connected",)}, fault=True,
                raises="ProcessExecutionError / VolumePathNotRemoved",
                handling="inside driver_detach's try: roll_detaching, then re-raise",
                note="os-brick fails with force=False: the first error stops the cleanup"),
    ),
)

COMPUTE_ROLL_DETACHING = Step(
    name="compute.roll_detaching", duration=FAST, actor="nova-compute", at=(r.ROLLING_BACK,), needs_service=True,
    lock="detach_lock",
    cite="nova/virt/block_device.py DriverVolumeBlockDevice.driver_detach -> "
         "cinder/volume/api.py API.roll_detaching @ pike",
    outcomes=(
        Outcome("ok", r.ROLLED_BACK, fires=(("volume", "roll_detaching"),),
                handling="the driver's exception is re-raised: instance fault, no other cleanup",
                note="Cinder detaching -> in-use"),
        Outcome("error", r.ABORTED, fault=True, raises="CinderClientException",
                handling="raised inside save_and_reraise_exception; Cinder stays detaching",
                note="the roll-back call itself fails"),
    ),
)

# ---------------------------------------------------------------- nova-compute: Cinder calls

def _timeout(then: str, fires: tuple[tuple[str, str], ...], requires: dict[str, tuple[str, ...]],
             note: str, retried: str) -> tuple[Outcome, ...]:
    """A Cinder RPC timeout after cinder-volume did the work: Nova aborts; where the 500 retry fires
    (nova/volume/cinder.py: 5 attempts, no wait) it retries and carries on to `then`, unless every
    attempt times out or a proxy answers 504, which os-detach and terminate_connection do not retry."""
    raises = "MessagingTimeout in cinder-api (HTTP 500)"
    return (Outcome("timeout", r.ABORTED, requires=requires, fires=fires, fault=True, raises=raises,
                    handling=_ABORT, note=note, when={_RETRY: False}),
            Outcome("timeout", then, requires=requires, fires=fires, fault=True, raises=raises,
                    handling=retried, note=note, when={_RETRY: True}),
            Outcome("retries_exhausted", r.ABORTED, requires=requires, fires=fires, fault=True,
                    raises="ClientException (HTTP 500 on all 5 attempts, or a proxy's 504)", handling=_ABORT,
                    note=note + "; the retries do not help", when={_RETRY: True}))


COMPUTE_TERMINATE_CONNECTION = Step(
    name="compute.terminate_connection", duration=SLOW, actor="cinder", at=(r.HOST_DISCONNECTED, r.DISK_NOT_FOUND),
    needs_service=True, lock="detach_lock",
    cite="nova/virt/block_device.py DriverVolumeBlockDevice.detach -> nova/volume/cinder.py "
         "API.terminate_connection -> cinder/volume/manager.py VolumeManager.terminate_connection @ pike",
    outcomes=(
        Outcome("ok", r.CONNECTION_TERMINATED, requires={"style": (LEGACY,)},
                fires=(("export", "terminate_connection"),),
                note="the array unmaps the LUN from the host's initiator group"),
        Outcome("error", r.ABORTED, requires={"style": (LEGACY,)}, fault=True,
                raises="VolumeBackendAPIException (HTTP 500)", handling=_ABORT,
                note="the backend fails to unmap"),
        *_timeout(r.CONNECTION_TERMINATED, (("export", "terminate_connection"),), {"style": (LEGACY,)},
                  "cinder-volume unmaps, but its answer comes after rpc_response_timeout",
                  "retried on 500: the second call finds nothing to unmap and succeeds"),
    ),
)

COMPUTE_CINDER_DETACH = Step(
    name="compute.cinder_detach", duration=SLOW, actor="cinder", at=(r.CONNECTION_TERMINATED,), needs_service=True,
    lock="detach_lock", when={_OCATA: False},
    cite="nova/virt/block_device.py DriverVolumeBlockDevice.detach -> nova/volume/cinder.py API.detach -> "
         "cinder/volume/manager.py VolumeManager.detach_volume @ pike",
    outcomes=(
        Outcome("ok", r.CINDER_DETACHED, fires=(("volume", "detach"), ("attachment", "detach")),
                note="attachment soft-deleted; no attachment left, so available/detached"),
        Outcome("error", r.ABORTED, requires={"attachment": (ATTACHED,)},
                fires=(("attachment", "detach_failed"),), fault=True,
                raises="VolumeBackendAPIException (HTTP 500)", handling=_ABORT,
                note="driver.detach_volume fails: attachment error_detaching, volume stays detaching"),
        Outcome("export_error", r.ABORTED, fault=True, raises="RemoveExportException (HTTP 500)",
                handling=_ABORT, note="driver.remove_export fails: nothing changes in Cinder's DB"),
        *_timeout(r.CINDER_DETACHED, (("volume", "detach"), ("attachment", "detach")), {},
                  "cinder-volume finishes the detach, but its answer comes after rpc_response_timeout",
                  "retried on 500: the attachment is gone, finish_detach recomputes: success"),
    ),
)

COMPUTE_DESTROY_BDM = Step(
    name="compute.destroy_bdm", duration=FAST, actor="nova-compute", at=(r.CINDER_DETACHED,), needs_service=True,
    lock="detach_lock", when={_OCATA: False},
    cite="nova/compute/manager.py ComputeManager._detach_volume (bdm.destroy() after the Cinder calls) @ pike",
    outcomes=(Outcome("ok", r.COMPLETED, fires=(("bdm", "destroy"),), note="Nova forgets the volume"),
              Outcome("already_gone", r.COMPLETED, requires={"bdm": (DESTROYED,)},
                      handling="nothing to do: block_device_mapping_destroy is an UPDATE ... WHERE id= with "
                               "no row-count check, so a second destroy is a no-op",
                      note="a racing detach of the shelved-offloaded instance destroyed the BDM first")),
)

OCATA_DESTROY_BDM = Step(
    name="compute.destroy_bdm", duration=FAST, actor="nova-compute", at=(r.CONNECTION_TERMINATED,), needs_service=True,
    lock="detach_lock", when={_OCATA: True},
    cite="nova/compute/manager.py ComputeManager._detach_volume (bdm.destroy() before os-detach) @ ocata",
    outcomes=(Outcome("ok", r.BDM_DESTROYED, fires=(("bdm", "destroy"),), note="Nova forgets the volume"),),
)

OCATA_CINDER_DETACH = Step(
    name="compute.cinder_detach", duration=SLOW, actor="cinder", at=(r.BDM_DESTROYED,), needs_service=True,
    lock="detach_lock", when={_OCATA: True},
    cite="nova/compute/manager.py ComputeManager._detach_volume -> nova/volume/cinder.py API.detach "
         "(after bdm.destroy()) @ ocata",
    outcomes=(
        Outcome("ok", r.COMPLETED, fires=(("volume", "detach"), ("attachment", "detach"))),
        Outcome("error", r.ABORTED, requires={"attachment": (ATTACHED,)},
                fires=(("attachment", "detach_failed"),), fault=True,
                raises="VolumeBackendAPIException (HTTP 500)",
                handling="propagates: the BDM is already gone, Cinder stays detaching"),
        Outcome("export_error", r.ABORTED, fault=True, raises="RemoveExportException (HTTP 500)",
                handling="propagates: the BDM is already gone, Cinder stays detaching",
                note="driver.remove_export fails: nothing changes in Cinder's DB"),
        Outcome("timeout", r.ABORTED, fires=(("volume", "detach"), ("attachment", "detach")), fault=True,
                raises="MessagingTimeout in cinder-api (HTTP 500)", handling="propagates"),
    ),
)

_ATTACHMENT_DELETE = (("export", "terminate_connection"), ("attachment", "delete"), ("volume", "attachment_delete"))
_404 = "attachment_delete_ignores_404"

COMPUTE_ATTACHMENT_DELETE = Step(
    name="compute.attachment_delete", duration=SLOW, actor="cinder", at=(r.HOST_DISCONNECTED, r.DISK_NOT_FOUND),
    needs_service=True, lock="detach_lock", when={"new_style_attachments": True},
    cite="nova/virt/block_device.py DriverVolumeBlockDevice._do_detach -> nova/volume/cinder.py "
         "API.attachment_delete -> cinder/volume/manager.py VolumeManager.attachment_delete @ queens",
    outcomes=(
        Outcome("ok", r.CINDER_DETACHED, requires={"style": (NEW_STYLE,)}, fires=_ATTACHMENT_DELETE,
                note="Cinder unmaps, deletes the attachment; none left: available"),
        Outcome("error", r.ABORTED, requires={"style": (NEW_STYLE,)}, fault=True,
                raises="VolumeBackendAPIException (HTTP 500)", handling=_ABORT,
                note="driver.terminate_connection fails: attachment and volume untouched"),
        *_timeout(r.CINDER_DETACHED, _ATTACHMENT_DELETE, {"style": (NEW_STYLE,)},
                  "cinder-volume finishes, the answer comes too late",
                  "retried on 500 and 504; the retry's 404 is ignored: success"),
        Outcome("not_found", r.ABORTED, requires={"style": (NEW_STYLE,), "attachment": (DELETED,)},
                raises="VolumeAttachmentNotFound (HTTP 404)", handling=_ABORT, when={_404: False},
                note="the attachment was already deleted (an earlier detach, a reset-state, a force-detach)"),
        Outcome("not_found", r.CINDER_DETACHED, requires={"style": (NEW_STYLE,), "attachment": (DELETED,)},
                raises="VolumeAttachmentNotFound (HTTP 404)", when={_404: True},
                handling="nova/volume/cinder.py API.attachment_delete logs 'does not exist. Ignoring.' (9b1c078112)",
                note="the attachment was already deleted (an earlier detach, a reset-state, a force-detach)"),
    ),
)

# ---------------------------------------------------------------- processes that interleave

_REBUILD = (
    Effect({"bdm": (PRESENT,), "export": (MAPPED,)}, (("disk", "rebuild"), ("connection", "connect_volume"))),
    Effect({"bdm": (DESTROYED,)}, (("disk", "undefine"),)),
)
_REBUILD_FAILS = (
    Effect({"bdm": (PRESENT,), "export": (UNMAPPED,)}, (("disk", "undefine"), ("connection", "disconnect_volume"))),
    Effect({"bdm": (PRESENT,), "export": (MAPPED,)}, (("disk", "undefine"), ("connection", "disconnect_volume"))),
    Effect({"bdm": (DESTROYED,)}, (("disk", "undefine"),)),
)
_REBUILD_NOTE = "the domain is destroyed (every BDM volume disconnected) and rebuilt from the BDMs"

COMPUTE_STOP = Step(
    name="compute.stop", duration=PROCESS, actor="nova-compute", scope=INSTANCE, needs_service=True, lock="always",
    cite="nova/compute/manager.py ComputeManager.stop_instance -> nova/virt/libvirt/driver.py "
         "LibvirtDriver.power_off (volumes stay connected) @ pike",
    outcomes=(
        Outcome("ok", requires={"instance": (ACTIVE,)}, fires=(("instance", "stop"),),
                each_volume=(Effect({}, (("disk", "power_off"),)),), note="the domain is shut off"),
    ),
)

def _rebuild_outcomes(instance: tuple[str, ...], trigger: str) -> tuple[Outcome, ...]:
    """Start and hard reboot: the domain is rebuilt from the BDMs, or the reconnect fails."""
    return (
        Outcome("ok", requires={"instance": instance}, fires=(("instance", trigger),), each_volume=_REBUILD,
                note=_REBUILD_NOTE),
        Outcome("error", requires={"instance": instance}, fires=(("instance", "reboot_failed"),),
                each_volume=_REBUILD_FAILS, needs_effect=0, fault=True,
                raises="VolumeDeviceNotFound (os-brick connect)", handling="instance set to ERROR",
                note="a BDM's LUN is no longer mapped: the reconnect fails"),
    )


COMPUTE_START = Step(
    name="compute.start", duration=PROCESS, actor="nova-compute", scope=INSTANCE, needs_service=True,
    cite="nova/compute/manager.py ComputeManager.start_instance (no instance lock, in every release) -> "
         "LibvirtDriver.power_on -> _hard_reboot @ pike",
    outcomes=_rebuild_outcomes((STOPPED,), "start"),
)

COMPUTE_HARD_REBOOT = Step(
    name="compute.hard_reboot", duration=PROCESS,
    actor="nova-compute", scope=INSTANCE, needs_service=True, lock="reboot_lock",
    cite="nova/compute/manager.py ComputeManager.reboot_instance -> nova/virt/libvirt/driver.py "
         "LibvirtDriver._hard_reboot (XML rebuilt from block_device_info) @ pike",
    outcomes=_rebuild_outcomes(_HOST, "hard_reboot"),
)

COMPUTE_SHELVE_OFFLOAD_GA = Step(
    name="compute.shelve_offload", duration=PROCESS,
    actor="nova-compute", scope=INSTANCE, needs_service=True, lock="always",
    when={"shelve_offload_terminates_connections": False},
    cite="nova/compute/manager.py ComputeManager.shelve_instance -> _shelve_offload_instance -> "
         "driver.destroy only: no Cinder call at all (LP#1547142, fixed in 15.1.0 / 16.0.1) @ pike",
    outcomes=(
        Outcome("ok", requires={"instance": ON_HOST}, fires=(("instance", "shelve_offload"),),
                each_volume=(
                    Effect({"bdm": (PRESENT,)}, (("disk", "undefine"), ("connection", "disconnect_volume"))),
                    Effect({"bdm": (DESTROYED,)}, (("disk", "undefine"),)),
                ),
                note="powered off, domain destroyed, volumes disconnected; the array keeps the LUNs mapped"),
    ),
)

_OFFLOAD = (("disk", "undefine"), ("connection", "disconnect_volume"))
_SHELVE_LEGACY = Effect({"bdm": (PRESENT,), "style": (LEGACY,)}, (*_OFFLOAD, ("export", "terminate_connection")))
_SHELVE_NEW = (*_OFFLOAD, ("export", "terminate_connection"), ("attachment", "shelve_reserve"),
               ("volume", "shelve_reserve"))
_SHELVE_GONE = Effect({"bdm": (DESTROYED,)}, (("disk", "undefine"),))
_SHELVE_CITE = ("nova/compute/manager.py ComputeManager.shelve_instance -> _shelve_offload_instance -> "
                "driver.destroy, _terminate_volume_connections (legacy: terminate_connection; attachment_id: "
                "attachment_create, then attachment_delete of the old one; BDMs kept, no os-detach)")
_SHELVE_NOTE = "powered off, domain destroyed, connections terminated; BDMs kept, no host"

COMPUTE_SHELVE_OFFLOAD = Step(
    name="compute.shelve_offload", duration=PROCESS, actor="nova-compute", scope=INSTANCE, needs_service=True,
    lock="always", when={"shelve_offload_terminates_connections": True, _404: False},
    cite=f"{_SHELVE_CITE} @ pike-eol",
    outcomes=(
        Outcome("ok", requires={"instance": (*ON_HOST, SHELVED)}, fires=(("instance", "shelve_offload"),),
                each_volume=(_SHELVE_LEGACY,
                             Effect({"bdm": (PRESENT,), "style": (NEW_STYLE,), "attachment": (ATTACHED,)}, _SHELVE_NEW),
                             _SHELVE_GONE),
                note=_SHELVE_NOTE),
        Outcome("not_found", requires={"instance": ON_HOST}, fires=(("instance", "shelve_offload_failed"),),
                each_volume=(_SHELVE_LEGACY,
                             Effect({"bdm": (PRESENT,), "style": (NEW_STYLE,), "attachment": (ATTACHED,)}, _SHELVE_NEW),
                             Effect({"bdm": (PRESENT,), "style": (NEW_STYLE,), "attachment": (DELETED,)},
                                    (*_OFFLOAD, ("volume", "shelve_reserve"))),
                             _SHELVE_GONE),
                needs_effect=2, raises="VolumeAttachmentNotFound (HTTP 404) on attachment_delete of the old attachment",
                handling="_shelve_offload_instance aborts after driver.destroy: the instance stays SHELVED on its "
                         "host; the new reserved attachment is orphaned (the BDM keeps the deleted one's id)",
                note="a BDM's attachment was already deleted in Cinder (a detach aborted after attachment_delete, "
                     "a reset-state, a force-detach)"),
    ),
)

COMPUTE_SHELVE_OFFLOAD_404_IGNORED = Step(
    name="compute.shelve_offload", duration=PROCESS, actor="nova-compute", scope=INSTANCE, needs_service=True,
    lock="always", when={"shelve_offload_terminates_connections": True, _404: True},
    cite=f"{_SHELVE_CITE}; nova/volume/cinder.py API.attachment_delete ignores a 404 (9b1c078112) @ wallaby-eom",
    outcomes=(
        Outcome("ok", requires={"instance": (*ON_HOST, SHELVED)}, fires=(("instance", "shelve_offload"),),
                each_volume=(_SHELVE_LEGACY, Effect({"bdm": (PRESENT,), "style": (NEW_STYLE,)}, _SHELVE_NEW),
                             _SHELVE_GONE),
                note=_SHELVE_NOTE),
    ),
)

COMPUTE_UNSHELVE = Step(
    name="compute.unshelve", duration=PROCESS, actor="nova-compute", scope=INSTANCE, needs_service=True, lock="always",
    cite="nova/compute/manager.py ComputeManager.unshelve_instance -> _prep_block_device "
         "(legacy: initialize_connection, os-attach if detached; new-style: attachment_update + "
         "attachment_complete) -> spawn @ pike",
    outcomes=(
        Outcome("ok", requires={"instance": (SHELVED_OFFLOADED, SHELVED)}, fires=(("instance", "unshelve"),),
                each_volume=(
                    Effect({"bdm": (PRESENT,), "style": (LEGACY,)},
                           (("export", "initialize_connection"), ("connection", "connect_volume"),
                            ("disk", "rebuild"), ("volume", "os_attach"), ("attachment", "os_attach"))),
                    Effect({"bdm": (PRESENT,), "style": (NEW_STYLE,), "attachment": (RESERVED_ATTACHMENT,)},
                           (("export", "initialize_connection"), ("connection", "connect_volume"),
                            ("disk", "rebuild"), ("attachment", "attachment_complete"),
                            ("volume", "attachment_complete"))),
                    Effect({"bdm": (DESTROYED,)}),
                ),
                note="spawned on a host with every BDM volume connected (a BDM whose attachment was deleted "
                     "makes attachment_update fail: not modelled as a step, the unshelve is not taken)"),
    ),
)

COMPUTE_CRASH = Step(
    name="compute.crash", duration=PROCESS, actor="nova-compute", scope=INSTANCE, needs_service=True,
    cite="nova-compute dies: RPC handlers in flight vanish, the in-process instance lock with them "
         "(nova/compute/manager.py ComputeManager) @ pike",
    outcomes=(Outcome("ok", fires=(("service", "crash"), ("lock", "crash")), each_request="crash",
                      fault=True, handling="nothing resumes the requests it was running"),),
)

COMPUTE_RESTART = Step(
    name="compute.restart", duration=PROCESS, actor="nova-compute", scope=INSTANCE, fair=True,
    cite="nova/compute/manager.py ComputeManager.init_host -> _init_instance (nothing for detaching "
         "volumes or half-detached BDMs) @ pike",
    outcomes=(Outcome("ok", requires={"service": (DOWN,)}, fires=(("service", "restart"),)),),
)

# ---------------------------------------------------------------- operator recovery

_STUCK = {"volume": (DETACHING,)}
_DANGLING = {"volume": (IN_USE, RESERVED), "bdm": (DESTROYED,)}
"""Operators act at rest (no detach in flight) on what they can see is wrong: a volume stuck in
`detaching`, or one Cinder still shows attached to an instance whose BDM is gone. Resetting a
healthy volume is a hazard by design (Cinder spec force-detach), not recovery."""

OPERATOR_RESET_STATE = Step(
    name="operator.reset_state", duration=FAST, actor="operator", scope=VOLUME, at_rest=True,
    cite="cinder/api/contrib/admin_actions.py AdminController._reset_status (`cinder reset-state`: "
         "a DB update, no driver call, no check of the current status; master: 61f1179c0) @ pike",
    outcomes=(
        Outcome("available", requires=_STUCK, volume=DATA,
                fires=(("volume", "reset_available"), ("attachment", "reset_detached")),
                note="--state available --attach-status detached: attachments deleted in the DB only"),
        Outcome("available", requires=_DANGLING, volume=DATA,
                fires=(("volume", "reset_available"), ("attachment", "reset_detached")),
                note="--state available --attach-status detached: attachments deleted in the DB only"),
        Outcome("in_use", volume=DATA, fires=(("volume", "reset_in_use"),),
                when={"cinder_reset_in_use_needs_attachment": False},
                note="--state in-use --attach-status attached: a DB update from any status; no attachment row"),
        Outcome("in_use", volume=DATA, requires={"attachment": (ATTACHED, ERROR_DETACHING, RESERVED_ATTACHMENT)},
                fires=(("volume", "reset_in_use"),), when={"cinder_reset_in_use_needs_attachment": True},
                note="--state in-use --attach-status attached: refused (400) without an attachment row"),
    ),
)

_FORCE_FIRES = (("export", "terminate_connection"), ("volume", "detach"), ("attachment", "detach"))
_FORCE_NOTE = "the array unmaps the LUN everywhere, Cinder detaches"
_FORCE_RAISES = "VolumeBackendAPIException (HTTP 500)"
_FORCE_HANDLING = "detach is skipped; nothing changes"


def _force(extra: dict[str, tuple[str, ...]]) -> tuple[Outcome, ...]:
    return tuple(
        o for guard in (_STUCK, _DANGLING)
        for o in (Outcome("ok", volume=DATA, requires={**guard, **extra}, fires=_FORCE_FIRES, note=_FORCE_NOTE),
                  Outcome("error", volume=DATA, requires={**guard, **extra}, fault=True, raises=_FORCE_RAISES,
                          handling=_FORCE_HANDLING)))


_FORCE_CITE = ("cinder/api/contrib/admin_actions.py VolumeAdminController._force_detach "
               "(terminate_connection with no connector: every initiator, then detach) @ pike")

OPERATOR_FORCE_DETACH = Step(
    name="operator.force_detach", duration=SLOW, actor="operator", scope=VOLUME, at_rest=True, cite=_FORCE_CITE,
    when={"cinder_attachment_deletion_allowed": False}, outcomes=_force({}),
)

OPERATOR_FORCE_DETACH_GUARDED = Step(
    name="operator.force_detach", duration=SLOW, actor="operator", scope=VOLUME, at_rest=True,
    when={"cinder_attachment_deletion_allowed": True},
    cite="cinder/volume/api.py API.attachment_deletion_allowed (OSSA-2023-003: without a service token, "
         "409 while Nova uses the attachment) @ master",
    outcomes=(
        *_force({"style": (LEGACY,)}),
        *_force({"style": (NEW_STYLE,), "bdm": (DESTROYED,)}),
        Outcome("rejected", volume=DATA, requires={**_STUCK, "style": (NEW_STYLE,), "bdm": (PRESENT,)},
                raises="ConflictNovaUsingAttachment (HTTP 409)", handling="nothing changes",
                note="Nova still lists the attachment: only a service may delete it"),
    ),
)

_REFRESH = "nova/cmd/manage.py VolumeAttachmentCommands._do_refresh"

OPERATOR_RESET_INSTANCE = Step(
    name="operator.reset_instance", duration=FAST, actor="operator", scope=INSTANCE, at_rest=True,
    cite="nova/api/openstack/compute/admin_actions.py AdminActionsController._reset_state "
         "(`nova reset-state --active`: vm_state ACTIVE, task_state None, nothing else) @ pike",
    outcomes=(Outcome("ok", requires={"instance": (ERROR,)}, fires=(("instance", "reset_active"),),
                      note="the operator puts an ERROR instance back to ACTIVE"),),
)

OPERATOR_REFRESH_ATTACHMENT = Step(
    name="operator.refresh_attachment", duration=PROCESS, actor="operator", scope=VOLUME, at_rest=True,
    when={"nova_manage_volume_attachment": True},
    cite=f"{_REFRESH} (`nova-manage volume_attachment refresh`, STOPPED instances only: attachment_create, "
         "remove_volume_connection, attachment_update, attachment_complete) @ master",
    outcomes=(
        Outcome("ok", volume=DATA, requires={"instance": (STOPPED,), "bdm": (PRESENT,)},
                fires=(("disk", "detach_persistent"), ("connection", "disconnect_volume"),
                       ("export", "terminate_connection"), ("export", "initialize_connection"),
                       ("attachment", "refresh"), ("volume", "refresh"), ("style", "refresh")),
                note="a fresh attachment, mapped and completed: Cinder in-use, the BDM new-style; "
                     "the guest gets the disk back at the next start"),
    ),
)

OPERATOR_RETRY_DETACH = Step(
    name="operator.retry_detach", duration=FAST, actor="operator", scope=INSTANCE, at_rest=True, unbinds_volume=True,
    cite="nova/api/openstack/compute/volumes.py VolumeAttachmentController.delete (`nova volume-detach "
         "SERVER VOLUME` again: a new API request) @ pike",
    outcomes=(Outcome("ok", each_request="retry",
                      note="new detach requests may be sent: the ended ones are forgotten (at rest, an ended "
                           "request changes nothing any more), each picks its volume at its first step"),),
)

_ATTACH_CITE = ("nova/compute/api.py API.attach_volume -> _attach_volume (reserve, BDM created) -> "
                "nova/compute/manager.py ComputeManager.attach_volume -> nova/virt/block_device.py "
                "DriverVolumeBlockDevice.attach (connect, guest attach, Cinder attach)")
_FREE = {"volume": (AVAILABLE,), "attachment": (DELETED,), "bdm": (DESTROYED,), "disk": (d.ABSENT,)}


def _attach(style_trigger: str, cinder: tuple[tuple[str, str], ...], note: str) -> tuple[Outcome, ...]:
    """The whole attach, on a running or a stopped instance."""
    fires = (("export", "initialize_connection"), ("connection", "connect_volume"), *cinder,
             ("bdm", "create"), ("style", style_trigger))
    return (Outcome("ok", volume=DATA, requires={**_FREE, "instance": (ACTIVE,)},
                    fires=(*fires, ("disk", "attach")), note=note),
            Outcome("ok", volume=DATA, requires={**_FREE, "instance": (STOPPED,)},
                    fires=(*fires, ("disk", "attach_stopped")), note=note + "; only the persistent config"))


OPERATOR_ATTACH = Step(
    name="operator.attach", duration=SLOW, actor="operator", scope=VOLUME, at_rest=True, needs_service=True,
    lock="always", when={"new_style_attachments": False}, cite=f"{_ATTACH_CITE} (os-reserve, "
    "initialize_connection, os-attach) @ pike",
    outcomes=_attach("attach_legacy", (("volume", "os_attach"), ("attachment", "os_attach")),
                     "`nova volume-attach`: Cinder in-use with an attachment, a legacy BDM, the disk in the guest"),
)

OPERATOR_ATTACH_NEW = Step(
    name="operator.attach", duration=SLOW, actor="operator", scope=VOLUME, at_rest=True, needs_service=True,
    lock="always", when={"new_style_attachments": True}, cite=f"{_ATTACH_CITE} (attachment_create, "
    "attachment_update, attachment_complete) @ queens",
    outcomes=_attach("attach_new", (("attachment", "attachment_complete"), ("volume", "attachment_complete")),
                     "`nova volume-attach`: Cinder in-use with an attachment, a BDM with its attachment_id, "
                     "the disk in the guest"),
)

STEPS: tuple[Step, ...] = (
    API_CHECK_INSTANCE, API_GET_VOLUME, API_CHECK_BDM, API_GET_VOLUME_OFFLOADED, API_CHECK_BDM_OFFLOADED,
    API_BEGIN_DETACHING, API_BEGIN_DETACHING_OFFLOADED, API_BEGIN_DETACHING_OFFLOADED_BDM_FIRST,
    API_DETACH_SHELVED_OFFLOADED, API_DETACH_SHELVED_OFFLOADED_BDM_FIRST, API_DETACH_SHELVED_OFFLOADED_NEW,
    API_DETACH_SHELVED_OFFLOADED_NEW_BDM_FIRST, RPC_DETACH_VOLUME,
    COMPUTE_DETACH_LIVE, COMPUTE_DETACH_PERSISTENT, COMPUTE_DETACH_LIVE_EVENTS, GUEST_ACK_UNPLUG,
    GUEST_REMOVAL_FAILED, COMPUTE_WAIT_AND_RETRY_DETACH, COMPUTE_WAIT_FOR_EVENT, COMPUTE_DISCONNECT_VOLUME,
    COMPUTE_ROLL_DETACHING, COMPUTE_TERMINATE_CONNECTION, COMPUTE_CINDER_DETACH, COMPUTE_DESTROY_BDM,
    OCATA_DESTROY_BDM, OCATA_CINDER_DETACH, COMPUTE_ATTACHMENT_DELETE,
    COMPUTE_STOP, COMPUTE_START, COMPUTE_HARD_REBOOT, COMPUTE_SHELVE_OFFLOAD_GA, COMPUTE_SHELVE_OFFLOAD,
    COMPUTE_SHELVE_OFFLOAD_404_IGNORED,
    COMPUTE_UNSHELVE,
    COMPUTE_CRASH, COMPUTE_RESTART, OPERATOR_RESET_STATE, OPERATOR_FORCE_DETACH, OPERATOR_FORCE_DETACH_GUARDED,
    OPERATOR_RESET_INSTANCE, OPERATOR_REFRESH_ATTACHMENT, OPERATOR_RETRY_DETACH, OPERATOR_ATTACH,
    OPERATOR_ATTACH_NEW,
)
"""Every step of the base model; a release keeps those whose `when` its switches satisfy."""

