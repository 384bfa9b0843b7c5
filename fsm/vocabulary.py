"""The protocol step names of domain.md section 4: the one vocabulary of model, CLI and reports."""

STEP_NAMES = frozenset({
    "api.check_instance", "api.get_volume", "api.check_bdm", "api.begin_detaching",
    "api.detach_shelved_offloaded", "rpc.detach_volume", "compute.detach_persistent",
    "compute.detach_live", "compute.wait_and_retry_detach", "compute.disconnect_volume",
    "compute.roll_detaching", "compute.terminate_connection", "compute.cinder_detach",
    "compute.attachment_delete", "compute.destroy_bdm", "compute.shelve_offload",
    "compute.unshelve", "compute.hard_reboot", "compute.crash", "compute.restart",
    "guest.ack_unplug", "operator.reset_state", "operator.force_detach",
    # added after reading the code (domain.md section 4)
    "compute.stop", "compute.start", "compute.shelve", "guest.removal_failed", "operator.retry_detach",
    # added by this model, for recovery tools the code has (docs/faithfulness.md)
    "operator.reset_instance", "operator.refresh_attachment", "operator.attach",
})
