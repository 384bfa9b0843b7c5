"""The detach protocol, and the processes that interleave with it, as atomic steps.

Step names are domain.md section 4's. The base is Nova 16.0.0 (Pike GA); behaviour that
differs between releases is a step or outcome guarded by a release switch (`when=`, see
`fsm/releases.py`), never a copy of a release. Each step cites the code it stands for; each
outcome names the exception the real code raises and what it does with it.
"""

from __future__ import annotations

from detachcheck.fsm import disk as d
from detachcheck.fsm import request as r
from detachcheck.fsm.attachment import ATTACHED
from detachcheck.fsm.bdm import DESTROYED, LEGACY, NEW_STYLE, PRESENT
from detachcheck.fsm.export import MAPPED, UNMAPPED
from detachcheck.fsm.instance import ACTIVE, ERROR, ON_HOST, SHELVED_OFFLOADED, STOPPED
from detachcheck.fsm.service import DOWN, UP
from detachcheck.fsm.step import DATA, INSTANCE, ROOT, VOLUME, Effect, Outcome, Step
from detachcheck.fsm.volume import AVAILABLE, DETACHING, IN_USE, RESERVED

_NOT_IN_USE = (DETACHING, AVAILABLE, RESERVED)
_HOST = (*ON_HOST, ERROR)  # the domain exists on the host
_SKIP = "disk_not_found_skips_disconnect"
_ROLL = "device_detach_failed_rolls_back"
_RETRY = "cinder_timeout_retried"
_EVENTS = "event_based_detach"
_OCATA = "bdm_destroyed_before_os_detach"
_ABORT = "propagates out of ComputeManager.detach_volume: no roll_detaching, BDM kept"
_ROLLS = "driver_detach: roll_detaching, then re-raise"

# ---------------------------------------------------------------- nova-api

API_GET_VOLUME = Step(
    name="api.get_volume", actor="nova-api", at=(r.IDLE,), binds_volume=True,
    cite="nova/api/openstack/compute/volumes.py VolumeAttachmentController.delete "
         "-> nova/volume/cinder.py API.get @ pike",
    outcomes=(
        Outcome("ok", r.VOLUME_READ, note="the volume (and its attachments) read from Cinder"),
        Outcome("error", r.API_FAILED, fault=True, raises="CinderClientException",
                handling="HTTP 500 to the user; nothing changed"),
    ),
)

API_CHECK_BDM = Step(
    name="api.check_bdm", actor="nova-api", at=(r.VOLUME_READ,),
    cite="nova/api/openstack/compute/volumes.py VolumeAttachmentController.delete "
         "(scan of BlockDeviceMappingList.get_by_instance_uuid) @ pike",
    outcomes=(
        Outcome("ok", r.BDM_FOUND, requires={"bdm": (PRESENT,)}, volume=DATA),
        Outcome("root", r.REJECTED, requires={"bdm": (PRESENT,)}, volume=ROOT, when={"api_refuses_root_detach": True},
                raises="HTTPForbidden", handling="403 \"Can't detach root device volume\" (400 from Rocky)"),
        Outcome("ok", r.BDM_FOUND, requires={"bdm": (PRESENT,)}, volume=ROOT, when={"api_refuses_root_detach": False},
                note="a deliberately broken API that lets the boot volume through (test variant only)"),
        Outcome("not_found", r.REJECTED, requires={"bdm": (DESTROYED,)},
                raises="HTTPNotFound", handling="404 \"volume_id not found\""),
    ),
)

API_CHECK_INSTANCE = Step(
    name="api.check_instance", actor="nova-api", at=(r.BDM_FOUND,),
    cite="nova/compute/api.py API.detach_volume decorators check_instance_lock, check_instance_state "
         "(after the BDM scan); W+: check_instance_host(check_is_up=True) @ pike",
    outcomes=(
        Outcome("ok", r.INSTANCE_CHECKED, requires={"instance": ON_HOST}, when={"api_compute_up_check": False}),
        Outcome("ok", r.INSTANCE_CHECKED, requires={"instance": ON_HOST, "service": (UP,)},
                when={"api_compute_up_check": True}),
        Outcome("shelved_offloaded", r.OFFLOADED_CHECKED, requires={"instance": (SHELVED_OFFLOADED,)},
                note="API.detach_volume takes _detach_volume_shelved_offloaded: all in nova-api"),
        Outcome("invalid", r.REJECTED, requires={"instance": (ERROR,)},
                raises="InstanceInvalidState", handling="HTTP 409"),
        Outcome("service_down", r.REJECTED, requires={"instance": ON_HOST, "service": (DOWN,)},
                raises="ServiceUnavailable", handling="HTTP 409", when={"api_compute_up_check": True}),
    ),
)

_BEGIN_CITE = ("nova/compute/api.py API._detach_volume -> cinder/volume/api.py API.begin_detaching "
               "(conditional update: a compare-and-swap) @ pike")


def _begin(at: str, then: str, extra: dict[str, tuple[str, ...]], cite: str) -> Step:
    return Step(
        name="api.begin_detaching", actor="nova-api", at=(at,), cite=cite,
        outcomes=(
            Outcome("ok", then, requires=extra, fires=(("volume", "begin_detaching"),),
                    note="Cinder in-use -> detaching"),
            Outcome("invalid", r.REJECTED, requires={"volume": _NOT_IN_USE, **extra},
                    raises="InvalidInput -> InvalidVolume", handling="HTTP 400; nothing changed",
                    note="the compare-and-swap fails: the volume is not in-use/attached"),
            Outcome("error", r.API_FAILED, requires=extra, fault=True, raises="CinderClientException",
                    handling="HTTP 500; nothing changed"),
        ),
    )


API_BEGIN_DETACHING = _begin(r.INSTANCE_CHECKED, r.DETACHING_BEGUN, {}, _BEGIN_CITE)
API_BEGIN_DETACHING_OFFLOADED = _begin(
    r.OFFLOADED_CHECKED, r.OFFLOADED_BEGUN, {"style": (LEGACY,)},
    "nova/compute/api.py API._detach_volume_shelved_offloaded -> cinder API.begin_detaching "
    "(Queens+: only without attachment_id) @ pike")

_BDM_GONE = Outcome(
    "bdm_gone", r.ABORTED, requires={"bdm": (DESTROYED,)},
    raises="VolumeBDMNotFound (HTTP 500)",
    handling="BlockDeviceMapping.get_by_volume_id raises before any clean-up: nothing is undone",
    note="another detach destroyed the BDM since this request checked it")

API_DETACH_SHELVED_OFFLOADED = Step(
    name="api.detach_shelved_offloaded", actor="nova-api", at=(r.OFFLOADED_BEGUN,),
    cite="nova/compute/api.py API._local_cleanup_bdm_volumes (terminate_connection with the stashed "
         "connector, os-detach; exceptions only logged; bdm.destroy() always) @ pike",
    outcomes=(
        Outcome("ok", r.COMPLETED, requires={"style": (LEGACY,)},
                fires=(("export", "terminate_connection"), ("volume", "detach"), ("attachment", "detach"),
                       ("bdm", "destroy")),
                note="Cinder unmaps and detaches; the BDM is destroyed"),
        Outcome("error", r.ABORTED, requires={"style": (LEGACY,)}, fires=(("bdm", "destroy"),), fault=True,
                raises="VolumeBackendAPIException (HTTP 500)",
                handling="logged only; bdm.destroy() still runs: Cinder keeps detaching with no BDM"),
        _BDM_GONE,
    ),
)

API_DETACH_SHELVED_OFFLOADED_NEW = Step(
    name="api.detach_shelved_offloaded", actor="nova-api", at=(r.OFFLOADED_CHECKED,),
    cite="nova/compute/api.py API._local_cleanup_bdm_volumes (attachment_delete; exceptions only "
         "logged; bdm.destroy() always) @ queens",
    outcomes=(
        Outcome("ok", r.COMPLETED, requires={"style": (NEW_STYLE,)},
                fires=(("export", "terminate_connection"), ("attachment", "delete"),
                       ("volume", "attachment_delete"), ("bdm", "destroy")),
                note="attachment_delete; the BDM is destroyed"),
        Outcome("error", r.ABORTED, requires={"style": (NEW_STYLE,)}, fires=(("bdm", "destroy"),), fault=True,
                raises="VolumeBackendAPIException (HTTP 500)",
                handling="logged only; bdm.destroy() still runs: the attachment stays with no BDM"),
        _BDM_GONE,
    ),
    when={"new_style_attachments": True},
)

RPC_DETACH_VOLUME = Step(
    name="rpc.detach_volume", actor="nova-api", at=(r.DETACHING_BEGUN,),
    cite="nova/compute/rpcapi.py ComputeAPI.detach_volume (a cast: the API answers 202 at once) @ pike",
    outcomes=(
        Outcome("ok", r.AT_COMPUTE, requires={"service": (UP,)},
                note="nova-compute takes the cast (it waits in the queue while the service is down)"),
        Outcome("lost", r.LOST, fault=True, handling="nobody is told; Cinder stays detaching",
                note="the cast never reaches nova-compute"),
    ),
)

# ---------------------------------------------------------------- nova-compute: guest detach

_DRIVER_CHAIN = ("nova/compute/manager.py ComputeManager.detach_volume -> nova/virt/block_device.py "
                 "DriverVolumeBlockDevice.driver_detach -> nova/virt/libvirt/driver.py LibvirtDriver.detach_volume")

_BDM = {"bdm": (PRESENT,)}
_COMPUTE_BDM_GONE = Outcome(
    "bdm_gone", r.ABORTED, requires={"bdm": (DESTROYED,)}, raises="VolumeBDMNotFound",
    handling="BlockDeviceMapping.get_by_volume_and_instance raises before anything else: no roll_detaching",
    note="a racing detach destroyed the BDM after this request passed the API")

COMPUTE_DETACH_LIVE = Step(
    name="compute.detach_live", actor="nova-compute", at=(r.AT_COMPUTE,), needs_service=True, lock="detach_lock",
    cite=f"{_DRIVER_CHAIN} -> nova/virt/libvirt/guest.py Guest.detach_device_with_retry "
         "(first attempt: CONFIG|LIVE in one call; CONFIG only if the domain is not running) @ pike",
    when={_EVENTS: False},
    outcomes=(
        Outcome("ok", r.UNPLUG_REQUESTED, requires={**_BDM, "instance": _HOST, "disk": (*d.LIVE_STATES, d.PERSISTENT)},
                fires=(("disk", "detach_persistent_and_live"),),
                note="disk removed from the persistent config; the guest is asked to unplug it"),
        Outcome("not_found", r.DISK_NOT_FOUND, requires={**_BDM, "instance": _HOST, "disk": (d.ABSENT,)},
                raises="DeviceNotFound -> DiskNotFound",
                handling="driver_detach logs a warning and carries on; the os-brick disconnect is skipped",
                note="Guest.get_disk finds no such disk", when={_SKIP: True}),
        Outcome("not_found", r.GUEST_RELEASED, requires={**_BDM, "instance": _HOST, "disk": (d.ABSENT,)},
                raises="DeviceNotFound", handling="logged at info; the disconnect still runs",
                note="Guest.get_disk finds no such disk", when={_SKIP: False}),
        Outcome("domain_gone", r.GUEST_RELEASED, requires={**_BDM, "instance": (SHELVED_OFFLOADED,)},
                raises="InstanceNotFound", handling="warning 'instance disappeared'; the disconnect still runs",
                note="the instance was shelved-offloaded meanwhile: no domain on this host"),
        Outcome("error", r.ROLLING_BACK, requires={**_BDM, "instance": _HOST, "disk": (*d.LIVE_STATES, d.PERSISTENT)},
                fault=True, raises="libvirtError", handling=_ROLLS,
                note="libvirt refuses the detach; nothing changed in the guest"),
        _COMPUTE_BDM_GONE,
    ),
)

COMPUTE_DETACH_PERSISTENT = Step(
    name="compute.detach_persistent", actor="nova-compute", at=(r.AT_COMPUTE,), needs_service=True,
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
        Outcome("domain_gone", r.GUEST_RELEASED, requires={**_BDM, "instance": (SHELVED_OFFLOADED,)},
                raises="InstanceNotFound", handling="warning 'instance disappeared'; the disconnect still runs"),
        Outcome("error", r.ROLLING_BACK, requires={**_BDM, "instance": _HOST, "disk": d.ALL[:-1]}, fault=True,
                raises="libvirtError", handling=_ROLLS),
        _COMPUTE_BDM_GONE,
    ),
)

COMPUTE_DETACH_LIVE_EVENTS = Step(
    name="compute.detach_live", actor="nova-compute", at=(r.PERSISTENT_DETACHED,), needs_service=True,
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
    name="guest.ack_unplug", actor="libvirt/guest", scope=VOLUME,
    cite="guest OS ACPI hot-unplug acknowledgement; libvirt drops the disk from the live XML "
         "(nova/virt/libvirt/guest.py Guest.get_disk then no longer finds it) @ pike",
    outcomes=(
        Outcome("ok", requires={"instance": (ACTIVE,)}, fires=(("disk", "ack_unplug"),),
                note="the guest lets go of the disk, whenever it gets to it (or never)"),
    ),
)

GUEST_REMOVAL_FAILED = Step(
    name="guest.removal_failed", actor="libvirt/guest", scope=VOLUME, when={_EVENTS: True},
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
    name="compute.wait_and_retry_detach", actor="nova-compute", at=(r.UNPLUG_REQUESTED,), needs_service=True,
    lock="detach_lock", when={_EVENTS: False},
    cite="nova/virt/libvirt/guest.py Guest.detach_device_with_retry._do_wait_and_retry_detach "
         "(RetryDecorator max_retry_count=7: re-reads the XML, live-only retry) @ pike",
    outcomes=(
        Outcome("ok", r.GUEST_RELEASED, requires=_WAIT_GONE, note="the XML no longer has the disk"),
        Outcome("ok", r.GUEST_RELEASED, requires={"instance": (ACTIVE,), "disk": (d.PERSISTENT,)},
                note="the live XML no longer has the disk (the persistent config has it again)"),
        Outcome("not_found", r.DISK_NOT_FOUND, requires=_WAIT_GONE,
                raises="libvirtError VIR_ERR_OPERATION_FAILED 'not found' -> DeviceNotFound -> DiskNotFound",
                handling="escapes the retry loop; driver_detach logs a warning and carries on; "
                         "the os-brick disconnect is skipped",
                note="the guest's ack lands between the XML re-read and the live-only retry", when={_SKIP: True}),
        Outcome("timeout", r.ROLLING_BACK, requires={"instance": (ACTIVE,), "disk": d.LIVE_STATES},
                fires=(("disk", "detach_live"),), fault=True, raises=_DDF, handling=_ROLLS,
                note="the guest never acknowledged within the retries (about 56 s)", when={_ROLL: True}),
        Outcome("timeout", r.ABORTED, requires={"instance": (ACTIVE,), "disk": d.LIVE_STATES},
                fires=(("disk", "detach_live"),), fault=True, raises=_DDF,
                handling="driver_detach's DeviceDetachFailed branch logs 'Guest refused to detach volume' "
                         "and re-raises without roll_detaching",
                note="the guest never acknowledged within the retries", when={_ROLL: False}),
        Outcome("error", r.ROLLING_BACK, requires={"instance": (ACTIVE,), "disk": d.LIVE_STATES}, fault=True,
                raises="libvirtError", handling=_ROLLS, note="libvirt fails the live-only retry"),
        Outcome("error", r.ROLLING_BACK, requires={"instance": (STOPPED,), "disk": (d.PERSISTENT,)}, fault=True,
                raises="libvirtError (domain is not running)", handling=_ROLLS,
                note="the instance was stopped meanwhile: the persistent XML still lists the disk"),
    ),
)

COMPUTE_WAIT_FOR_EVENT = Step(
    name="compute.wait_and_retry_detach", actor="nova-compute", at=(r.UNPLUG_REQUESTED,), needs_service=True,
    lock="detach_lock", when={_EVENTS: True},
    cite="nova/virt/libvirt/driver.py LibvirtDriver._detach_from_live_with_retry "
         "([libvirt]device_detach_attempts=8, device_detach_timeout=20 s each) @ wallaby-eom",
    outcomes=(
        Outcome("ok", r.GUEST_RELEASED, requires={"disk": (d.ABSENT, d.PERSISTENT)},
                note="DEVICE_REMOVED arrived (or the live XML no longer has the disk)"),
        Outcome("removal_failed", r.ROLLING_BACK, requires={"instance": (ACTIVE,),
                                                             "disk": (d.LIVE, d.PERSISTENT_AND_LIVE)},
                fault=True, raises="DeviceDetachFailed (device removal failed)", handling=_ROLLS,
                note="libvirt reported DEVICE_REMOVAL_FAILED: no retry"),
        Outcome("timeout", r.ROLLING_BACK, requires={"instance": (ACTIVE,), "disk": d.PENDING},
                fires=(("disk", "detach_live"),), fault=True,
                raises="DeviceDetachFailed: Run out of retry while detaching device", handling=_ROLLS,
                note="no event in any of the attempts (about 160 s)"),
        Outcome("error", r.ROLLING_BACK, requires={"instance": (ACTIVE,), "disk": d.LIVE_STATES}, fault=True,
                raises="libvirtError", handling=_ROLLS),
    ),
)

COMPUTE_DISCONNECT_VOLUME = Step(
    name="compute.disconnect_volume", actor="os-brick", at=(r.GUEST_RELEASED,), needs_service=True,
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
    name="compute.roll_detaching", actor="nova-compute", at=(r.ROLLING_BACK,), needs_service=True,
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
             note: str, retried: str) -> tuple[Outcome, Outcome]:
    """A Cinder RPC timeout after cinder-volume did the work: Nova aborts, or (where the 500
    retry fires) retries and carries on to `then`."""
    raises = "MessagingTimeout in cinder-api (HTTP 500)"
    return (Outcome("timeout", r.ABORTED, requires=requires, fires=fires, fault=True, raises=raises,
                    handling=_ABORT, note=note, when={_RETRY: False}),
            Outcome("timeout", then, requires=requires, fires=fires, fault=True, raises=raises,
                    handling=retried, note=note, when={_RETRY: True}))


COMPUTE_TERMINATE_CONNECTION = Step(
    name="compute.terminate_connection", actor="cinder", at=(r.HOST_DISCONNECTED, r.DISK_NOT_FOUND),
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
    name="compute.cinder_detach", actor="cinder", at=(r.CONNECTION_TERMINATED,), needs_service=True,
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
    name="compute.destroy_bdm", actor="nova-compute", at=(r.CINDER_DETACHED,), needs_service=True,
    lock="detach_lock", when={_OCATA: False},
    cite="nova/compute/manager.py ComputeManager._detach_volume (bdm.destroy() after the Cinder calls) @ pike",
    outcomes=(Outcome("ok", r.COMPLETED, fires=(("bdm", "destroy"),), note="Nova forgets the volume"),
              Outcome("already_gone", r.COMPLETED, requires={"bdm": (DESTROYED,)},
                      handling="nothing to do: block_device_mapping_destroy is an UPDATE ... WHERE id= with "
                               "no row-count check, so a second destroy is a no-op",
                      note="a racing detach of the shelved-offloaded instance destroyed the BDM first")),
)

OCATA_DESTROY_BDM = Step(
    name="compute.destroy_bdm", actor="nova-compute", at=(r.CONNECTION_TERMINATED,), needs_service=True,
    lock="detach_lock", when={_OCATA: True},
    cite="nova/compute/manager.py ComputeManager._detach_volume (bdm.destroy() before os-detach) @ ocata",
    outcomes=(Outcome("ok", r.BDM_DESTROYED, fires=(("bdm", "destroy"),), note="Nova forgets the volume"),),
)

OCATA_CINDER_DETACH = Step(
    name="compute.cinder_detach", actor="cinder", at=(r.BDM_DESTROYED,), needs_service=True,
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

COMPUTE_ATTACHMENT_DELETE = Step(
    name="compute.attachment_delete", actor="cinder", at=(r.HOST_DISCONNECTED, r.DISK_NOT_FOUND),
    needs_service=True, lock="detach_lock", when={"new_style_attachments": True},
    cite="nova/virt/block_device.py DriverVolumeBlockDevice._do_detach -> nova/volume/cinder.py "
         "API.attachment_delete -> cinder/volume/manager.py VolumeManager.attachment_delete @ queens",
    outcomes=(
        Outcome("ok", r.CINDER_DETACHED, requires={"style": (NEW_STYLE,)},
                fires=(("export", "terminate_connection"), ("attachment", "delete"),
                       ("volume", "attachment_delete")),
                note="Cinder unmaps, deletes the attachment; none left: available"),
        Outcome("error", r.ABORTED, requires={"style": (NEW_STYLE,)}, fault=True,
                raises="VolumeBackendAPIException (HTTP 500)", handling=_ABORT,
                note="driver.terminate_connection fails: attachment and volume untouched"),
        Outcome("timeout", r.ABORTED, requires={"style": (NEW_STYLE,)},
                fires=(("export", "terminate_connection"), ("attachment", "delete"),
                       ("volume", "attachment_delete")), fault=True,
                raises="MessagingTimeout in cinder-api (HTTP 500)", handling=_ABORT,
                note="cinder-volume finishes, the answer comes too late",
                when={"attachment_delete_ignores_404": False}),
        Outcome("timeout", r.CINDER_DETACHED, requires={"style": (NEW_STYLE,)},
                fires=(("export", "terminate_connection"), ("attachment", "delete"),
                       ("volume", "attachment_delete")), fault=True,
                raises="MessagingTimeout in cinder-api (HTTP 500)",
                handling="retried on 500; the retry's 404 counts as success",
                when={"attachment_delete_ignores_404": True}),
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
    name="compute.stop", actor="nova-compute", scope=INSTANCE, needs_service=True, lock="always",
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
    name="compute.start", actor="nova-compute", scope=INSTANCE, needs_service=True,
    cite="nova/compute/manager.py ComputeManager.start_instance (no instance lock, in every release) -> "
         "LibvirtDriver.power_on -> _hard_reboot @ pike",
    outcomes=_rebuild_outcomes((STOPPED,), "start"),
)

COMPUTE_HARD_REBOOT = Step(
    name="compute.hard_reboot", actor="nova-compute", scope=INSTANCE, needs_service=True, lock="reboot_lock",
    cite="nova/compute/manager.py ComputeManager.reboot_instance -> nova/virt/libvirt/driver.py "
         "LibvirtDriver._hard_reboot (XML rebuilt from block_device_info) @ pike",
    outcomes=_rebuild_outcomes(_HOST, "hard_reboot"),
)

COMPUTE_SHELVE_OFFLOAD_GA = Step(
    name="compute.shelve_offload", actor="nova-compute", scope=INSTANCE, needs_service=True, lock="always",
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

COMPUTE_SHELVE_OFFLOAD = Step(
    name="compute.shelve_offload", actor="nova-compute", scope=INSTANCE, needs_service=True, lock="always",
    when={"shelve_offload_terminates_connections": True},
    cite="nova/compute/manager.py ComputeManager.shelve_instance -> _shelve_offload_instance -> "
         "driver.destroy, _terminate_volume_connections (BDMs kept, no os-detach) @ pike-eol",
    outcomes=(
        Outcome("ok", requires={"instance": ON_HOST}, fires=(("instance", "shelve_offload"),),
                each_volume=(
                    Effect({"bdm": (PRESENT,), "style": (LEGACY,)},
                           (("disk", "undefine"), ("connection", "disconnect_volume"),
                            ("export", "terminate_connection"))),
                    Effect({"bdm": (PRESENT,), "style": (NEW_STYLE,)},
                           (("disk", "undefine"), ("connection", "disconnect_volume"),
                            ("export", "terminate_connection"), ("attachment", "shelve_reserve"),
                            ("volume", "shelve_reserve"))),
                    Effect({"bdm": (DESTROYED,)}, (("disk", "undefine"),)),
                ),
                note="powered off, domain destroyed, connections terminated; BDMs kept, no host"),
    ),
)

COMPUTE_UNSHELVE = Step(
    name="compute.unshelve", actor="nova-compute", scope=INSTANCE, needs_service=True, lock="always",
    cite="nova/compute/manager.py ComputeManager.unshelve_instance -> _prep_block_device "
         "(legacy: initialize_connection, os-attach if detached; new-style: attachment_update + "
         "attachment_complete) -> spawn @ pike",
    outcomes=(
        Outcome("ok", requires={"instance": (SHELVED_OFFLOADED,)}, fires=(("instance", "unshelve"),),
                each_volume=(
                    Effect({"bdm": (PRESENT,), "style": (LEGACY,)},
                           (("export", "initialize_connection"), ("connection", "connect_volume"),
                            ("disk", "rebuild"), ("volume", "os_attach"), ("attachment", "os_attach"))),
                    Effect({"bdm": (PRESENT,), "style": (NEW_STYLE,)},
                           (("export", "initialize_connection"), ("connection", "connect_volume"),
                            ("disk", "rebuild"), ("attachment", "attachment_complete"),
                            ("volume", "attachment_complete"))),
                    Effect({"bdm": (DESTROYED,)}),
                ),
                note="spawned on a host with every BDM volume connected"),
    ),
)

COMPUTE_CRASH = Step(
    name="compute.crash", actor="nova-compute", scope=INSTANCE, needs_service=True,
    cite="nova-compute dies: RPC handlers in flight vanish, the in-process instance lock with them "
         "(nova/compute/manager.py ComputeManager) @ pike",
    outcomes=(Outcome("ok", fires=(("service", "crash"), ("lock", "crash")), each_request="crash",
                      fault=True, handling="nothing resumes the requests it was running"),),
)

COMPUTE_RESTART = Step(
    name="compute.restart", actor="nova-compute", scope=INSTANCE, fair=True,
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
    name="operator.reset_state", actor="operator", scope=VOLUME, at_rest=True,
    cite="cinder/api/contrib/admin_actions.py VolumeAdminController._reset_status (`cinder reset-state`: "
         "a DB update, no driver call) @ pike",
    outcomes=(
        Outcome("available", requires=_STUCK, volume=DATA,
                fires=(("volume", "reset_available"), ("attachment", "reset_detached")),
                note="--state available --attach-status detached: attachments deleted in the DB only"),
        Outcome("available", requires=_DANGLING, volume=DATA,
                fires=(("volume", "reset_available"), ("attachment", "reset_detached")),
                note="--state available --attach-status detached: attachments deleted in the DB only"),
        Outcome("in_use", requires=_STUCK, volume=DATA,
                fires=(("volume", "reset_in_use"),), note="--state in-use: the status only"),
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
    name="operator.force_detach", actor="operator", scope=VOLUME, at_rest=True, cite=_FORCE_CITE,
    when={"cinder_attachment_deletion_allowed": False}, outcomes=_force({}),
)

OPERATOR_FORCE_DETACH_GUARDED = Step(
    name="operator.force_detach", actor="operator", scope=VOLUME, at_rest=True,
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
    name="operator.reset_instance", actor="operator", scope=INSTANCE, at_rest=True,
    cite="nova/api/openstack/compute/admin_actions.py AdminActionsController._reset_state "
         "(`nova reset-state --active`: vm_state ACTIVE, task_state None, nothing else) @ pike",
    outcomes=(Outcome("ok", requires={"instance": (ERROR,)}, fires=(("instance", "reset_active"),),
                      note="the operator puts an ERROR instance back to ACTIVE"),),
)

OPERATOR_REFRESH_ATTACHMENT = Step(
    name="operator.refresh_attachment", actor="operator", scope=VOLUME, at_rest=True,
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

STEPS: tuple[Step, ...] = (
    API_GET_VOLUME, API_CHECK_BDM, API_CHECK_INSTANCE, API_BEGIN_DETACHING, API_BEGIN_DETACHING_OFFLOADED,
    API_DETACH_SHELVED_OFFLOADED, API_DETACH_SHELVED_OFFLOADED_NEW, RPC_DETACH_VOLUME,
    COMPUTE_DETACH_LIVE, COMPUTE_DETACH_PERSISTENT, COMPUTE_DETACH_LIVE_EVENTS, GUEST_ACK_UNPLUG,
    GUEST_REMOVAL_FAILED, COMPUTE_WAIT_AND_RETRY_DETACH, COMPUTE_WAIT_FOR_EVENT, COMPUTE_DISCONNECT_VOLUME,
    COMPUTE_ROLL_DETACHING, COMPUTE_TERMINATE_CONNECTION, COMPUTE_CINDER_DETACH, COMPUTE_DESTROY_BDM,
    OCATA_DESTROY_BDM, OCATA_CINDER_DETACH, COMPUTE_ATTACHMENT_DELETE,
    COMPUTE_STOP, COMPUTE_START, COMPUTE_HARD_REBOOT, COMPUTE_SHELVE_OFFLOAD_GA, COMPUTE_SHELVE_OFFLOAD,
    COMPUTE_UNSHELVE,
    COMPUTE_CRASH, COMPUTE_RESTART, OPERATOR_RESET_STATE, OPERATOR_FORCE_DETACH, OPERATOR_FORCE_DETACH_GUARDED,
    OPERATOR_RESET_INSTANCE, OPERATOR_REFRESH_ATTACHMENT,
)
"""Every step of the base model; a release keeps those whose `when` its switches satisfy."""

