"""The detach protocol as atomic steps (domain.md section 4 names), base = Nova 16.0.0 (Pike GA).

Each step cites the code it stands for; each outcome says which exception the real code
raises and what it does with it. Release differences are outcomes guarded by a release
switch (`when=`), never copies of a step (see `fsm/releases.py`).
"""

from __future__ import annotations

from fsm import disk as d
from fsm import request as r
from fsm.attachment import ATTACHED
from fsm.bdm import DESTROYED, PRESENT
from fsm.instance import DETACH_ALLOWED
from fsm.step import DATA, ROOT, Outcome, Step
from fsm.volume import AVAILABLE, DETACHING

_NOT_IN_USE = (DETACHING, AVAILABLE)

API_GET_VOLUME = Step(
    name="api.get_volume",
    actor="nova-api",
    cite="nova/api/openstack/compute/volumes.py VolumeAttachmentController.delete "
         "-> nova/volume/cinder.py API.get @ pike",
    at=(r.IDLE,),
    binds_volume=True,
    outcomes=(
        Outcome("ok", r.VOLUME_READ, note="the volume (and its attachments) read from Cinder"),
        Outcome("error", r.API_FAILED, fault=True, raises="CinderClientException",
                handling="HTTP 500 to the user; nothing changed"),
    ),
)

API_CHECK_BDM = Step(
    name="api.check_bdm",
    actor="nova-api",
    cite="nova/api/openstack/compute/volumes.py VolumeAttachmentController.delete "
         "(scan of BlockDeviceMappingList.get_by_instance_uuid) @ pike",
    at=(r.VOLUME_READ,),
    outcomes=(
        Outcome("ok", r.BDM_FOUND, requires={"bdm": (PRESENT,)}, volume=DATA),
        Outcome("root", r.REJECTED, requires={"bdm": (PRESENT,)}, volume=ROOT,
                raises="HTTPForbidden", handling="403 \"Can't detach root device volume\""),
        Outcome("not_found", r.REJECTED, requires={"bdm": (DESTROYED,)},
                raises="HTTPNotFound", handling="404 \"volume_id not found\""),
    ),
)

API_CHECK_INSTANCE = Step(
    name="api.check_instance",
    actor="nova-api",
    cite="nova/compute/api.py API.detach_volume decorators check_instance_lock, "
         "check_instance_state (run after the BDM scan) @ pike",
    at=(r.BDM_FOUND,),
    outcomes=(
        Outcome("ok", r.INSTANCE_CHECKED, requires={"instance": DETACH_ALLOWED}),
    ),
)

API_BEGIN_DETACHING = Step(
    name="api.begin_detaching",
    actor="nova-api",
    cite="nova/compute/api.py API._detach_volume -> cinder/volume/api.py API.begin_detaching "
         "(conditional update: a compare-and-swap) @ pike",
    at=(r.INSTANCE_CHECKED,),
    outcomes=(
        Outcome("ok", r.DETACHING_BEGUN, fires=(("volume", "begin_detaching"),),
                note="Cinder in-use -> detaching"),
        Outcome("invalid", r.REJECTED, requires={"volume": _NOT_IN_USE},
                raises="InvalidInput -> InvalidVolume", handling="HTTP 400; nothing changed",
                note="the compare-and-swap fails: the volume is not in-use/attached"),
        Outcome("error", r.API_FAILED, fault=True, raises="CinderClientException",
                handling="HTTP 500; nothing changed"),
    ),
)

RPC_DETACH_VOLUME = Step(
    name="rpc.detach_volume",
    actor="nova-api",
    cite="nova/compute/rpcapi.py ComputeAPI.detach_volume (a cast: the API answers 202 at once) @ pike",
    at=(r.DETACHING_BEGUN,),
    outcomes=(
        Outcome("ok", r.AT_COMPUTE, note="nova-compute receives the cast"),
        Outcome("lost", r.LOST, fault=True, handling="nobody is told; Cinder stays detaching",
                note="the cast never reaches nova-compute (broker loss, compute down for good)"),
    ),
)

COMPUTE_DETACH_LIVE = Step(
    name="compute.detach_live",
    actor="nova-compute",
    cite="nova/compute/manager.py ComputeManager.detach_volume -> nova/virt/block_device.py "
         "DriverVolumeBlockDevice.driver_detach -> nova/virt/libvirt/driver.py "
         "LibvirtDriver.detach_volume -> nova/virt/libvirt/guest.py "
         "Guest.detach_device_with_retry (first attempt, CONFIG|LIVE in one call) @ pike",
    at=(r.AT_COMPUTE,),
    outcomes=(
        Outcome("ok", r.UNPLUG_REQUESTED, requires={"disk": (d.PERSISTENT_AND_LIVE, d.LIVE_UNPLUG_PENDING)},
                fires=(("disk", "detach_persistent_and_live"),),
                note="disk removed from the persistent config; the guest is asked to unplug it"),
        Outcome("not_found", r.DISK_NOT_FOUND, requires={"disk": (d.ABSENT,)},
                raises="DeviceNotFound -> DiskNotFound",
                handling="driver_detach logs a warning and carries on; the os-brick disconnect "
                         "is skipped",
                note="Guest.get_disk finds no such disk",
                when={"disk_not_found_skips_disconnect": True}),
        Outcome("error", r.ROLLING_BACK, requires={"disk": (d.PERSISTENT_AND_LIVE, d.LIVE_UNPLUG_PENDING)},
                fault=True, raises="libvirtError",
                handling="driver_detach: roll_detaching, then re-raise",
                note="libvirt refuses the detach; nothing changed in the guest"),
    ),
)

GUEST_ACK_UNPLUG = Step(
    name="guest.ack_unplug",
    actor="libvirt/guest",
    cite="guest OS ACPI hot-unplug acknowledgement; libvirt drops the disk from the live XML "
         "(nova/virt/libvirt/guest.py Guest.get_disk then no longer finds it) @ pike",
    outcomes=(
        Outcome("ok", fires=(("disk", "ack_unplug"),),
                note="the guest lets go of the disk, whenever it gets to it (or never)"),
    ),
)

COMPUTE_WAIT_AND_RETRY_DETACH = Step(
    name="compute.wait_and_retry_detach",
    actor="nova-compute",
    cite="nova/virt/libvirt/guest.py Guest.detach_device_with_retry._do_wait_and_retry_detach "
         "(RetryDecorator max_retry_count=7, re-reads the live XML, live-only retry) @ pike",
    at=(r.UNPLUG_REQUESTED,),
    outcomes=(
        Outcome("ok", r.GUEST_RELEASED, requires={"disk": (d.ABSENT,)},
                note="the live XML no longer has the disk"),
        Outcome("not_found", r.DISK_NOT_FOUND, requires={"disk": (d.ABSENT,)},
                raises="libvirtError VIR_ERR_OPERATION_FAILED 'not found' -> DeviceNotFound -> DiskNotFound",
                handling="escapes the retry loop; driver_detach logs a warning and carries on; "
                         "the os-brick disconnect is skipped",
                note="the guest's ack lands between the XML re-read and the live-only retry",
                when={"disk_not_found_skips_disconnect": True}),
        Outcome("timeout", r.ROLLING_BACK, requires={"disk": (d.LIVE_UNPLUG_PENDING,)},
                fires=(("disk", "detach_live"),), fault=True,
                raises="DeviceDetachFailed: Unable to detach from guest transient domain.",
                handling="driver_detach: roll_detaching, then re-raise",
                note="the guest never acknowledged within the retries (about 56 s)"),
        Outcome("error", r.ROLLING_BACK, requires={"disk": (d.LIVE_UNPLUG_PENDING,)}, fault=True,
                raises="libvirtError", handling="driver_detach: roll_detaching, then re-raise",
                note="libvirt fails the live-only retry"),
    ),
)

COMPUTE_DISCONNECT_VOLUME = Step(
    name="compute.disconnect_volume",
    actor="os-brick",
    cite="nova/virt/libvirt/driver.py LibvirtDriver.detach_volume -> _disconnect_volume -> "
         "os_brick/initiator/connectors/iscsi.py ISCSIConnector.disconnect_volume @ pike",
    at=(r.GUEST_RELEASED,),
    outcomes=(
        Outcome("ok", r.HOST_DISCONNECTED, fires=(("connection", "disconnect_volume"),),
                note="iSCSI session logged out, /dev/disk/by-path link gone"),
        Outcome("error", r.ROLLING_BACK, fault=True,
                raises="ProcessExecutionError / VolumePathNotRemoved",
                handling="inside driver_detach's try: roll_detaching, then re-raise",
                note="os-brick fails with force=False: the first error stops the cleanup"),
    ),
)

COMPUTE_ROLL_DETACHING = Step(
    name="compute.roll_detaching",
    actor="nova-compute",
    cite="nova/virt/block_device.py DriverVolumeBlockDevice.driver_detach -> "
         "cinder/volume/api.py API.roll_detaching @ pike",
    at=(r.ROLLING_BACK,),
    outcomes=(
        Outcome("ok", r.ROLLED_BACK, fires=(("volume", "roll_detaching"),),
                handling="the driver's exception is re-raised: instance fault, no other cleanup",
                note="Cinder detaching -> in-use"),
        Outcome("error", r.ABORTED, fault=True, raises="CinderClientException",
                handling="raised inside save_and_reraise_exception; Cinder stays detaching",
                note="the roll-back call itself fails"),
    ),
)

COMPUTE_TERMINATE_CONNECTION = Step(
    name="compute.terminate_connection",
    actor="cinder",
    cite="nova/virt/block_device.py DriverVolumeBlockDevice.detach -> nova/volume/cinder.py "
         "API.terminate_connection -> cinder/volume/manager.py VolumeManager.terminate_connection @ pike",
    at=(r.HOST_DISCONNECTED, r.DISK_NOT_FOUND),
    outcomes=(
        Outcome("ok", r.CONNECTION_TERMINATED, fires=(("export", "terminate_connection"),),
                note="the array unmaps the LUN from the host's initiator group"),
        Outcome("error", r.ABORTED, fault=True, raises="VolumeBackendAPIException (HTTP 500)",
                handling="propagates out of ComputeManager.detach_volume: no roll_detaching, BDM kept",
                note="the backend fails to unmap"),
        Outcome("timeout", r.ABORTED, fires=(("export", "terminate_connection"),), fault=True,
                raises="MessagingTimeout in cinder-api (HTTP 500)",
                handling="propagates out of ComputeManager.detach_volume: no roll_detaching, BDM kept",
                note="cinder-volume unmaps, but its answer comes after rpc_response_timeout"),
    ),
)

COMPUTE_CINDER_DETACH = Step(
    name="compute.cinder_detach",
    actor="cinder",
    cite="nova/virt/block_device.py DriverVolumeBlockDevice.detach -> nova/volume/cinder.py "
         "API.detach -> cinder/volume/manager.py VolumeManager.detach_volume @ pike",
    at=(r.CONNECTION_TERMINATED,),
    outcomes=(
        Outcome("ok", r.CINDER_DETACHED, fires=(("volume", "detach"), ("attachment", "detach")),
                note="attachment soft-deleted; no attachment left, so available/detached"),
        Outcome("error", r.ABORTED, requires={"attachment": (ATTACHED,)},
                fires=(("attachment", "detach_failed"),), fault=True,
                raises="VolumeBackendAPIException (HTTP 500)",
                handling="propagates out of ComputeManager.detach_volume: no roll_detaching, BDM kept",
                note="driver.detach_volume fails: attachment error_detaching, volume stays detaching"),
        Outcome("export_error", r.ABORTED, fault=True, raises="RemoveExportException (HTTP 500)",
                handling="propagates out of ComputeManager.detach_volume: no roll_detaching, BDM kept",
                note="driver.remove_export fails: nothing changes in Cinder's DB"),
        Outcome("timeout", r.ABORTED, fires=(("volume", "detach"), ("attachment", "detach")), fault=True,
                raises="MessagingTimeout in cinder-api (HTTP 500)",
                handling="propagates out of ComputeManager.detach_volume: BDM kept",
                note="cinder-volume finishes the detach, but its answer comes after rpc_response_timeout"),
    ),
)

COMPUTE_DESTROY_BDM = Step(
    name="compute.destroy_bdm",
    actor="nova-compute",
    cite="nova/compute/manager.py ComputeManager._detach_volume (bdm.destroy() after the "
         "Cinder calls) @ pike",
    at=(r.CINDER_DETACHED,),
    outcomes=(
        Outcome("ok", r.COMPLETED, fires=(("bdm", "destroy"),), note="Nova forgets the volume"),
    ),
)

STEPS: tuple[Step, ...] = (
    API_GET_VOLUME,
    API_CHECK_BDM,
    API_CHECK_INSTANCE,
    API_BEGIN_DETACHING,
    RPC_DETACH_VOLUME,
    COMPUTE_DETACH_LIVE,
    GUEST_ACK_UNPLUG,
    COMPUTE_WAIT_AND_RETRY_DETACH,
    COMPUTE_DISCONNECT_VOLUME,
    COMPUTE_ROLL_DETACHING,
    COMPUTE_TERMINATE_CONNECTION,
    COMPUTE_CINDER_DETACH,
    COMPUTE_DESTROY_BDM,
)
"""Every protocol step of the base model, in the order a detach runs them."""
