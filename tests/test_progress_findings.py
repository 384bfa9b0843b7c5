"""Liveness, deadlock and recoverability on the real model, asserted on what the checker found."""

from __future__ import annotations

import dataclasses
import io

import pytest
from rich.console import Console

from detachcheck.checker.outputs.render import print_text
from detachcheck.checker.run import run_check
from detachcheck.fsm.releases import RELEASES, Release


def entry(result, pid):
    return next(p for p in result.report["properties"] if p["id"] == pid)


@pytest.mark.parametrize("release", list(RELEASES))
def test_every_accepted_detach_ends(every_release, release):
    """Under weak fairness every request ends; how it ends is for the at-rest properties: a lost
    cast ends it at once and leaves Cinder `detaching`."""
    result = every_release[release]
    assert entry(result, "detach_terminates")["verdict"] == "holds"
    stuck = entry(result, "no_stuck_transitional_status")
    assert [f"{s['step']}:{s['outcome']}" for s in stuck["path"]][-1] == "rpc.detach_volume:lost"


class WithoutAlreadyGone(Release):
    """Pike without `compute.destroy_bdm:already_gone`: a request whose BDM a racing detach
    destroyed has no step left (the model bug the review found)."""

    def steps(self):
        return tuple(dataclasses.replace(s, outcomes=tuple(o for o in s.outcomes if o.name != "already_gone"))
                     for s in super().steps())


def test_liveness_finds_a_request_that_can_never_finish():
    broken = WithoutAlreadyGone(**{f.name: getattr(RELEASES["queens"], f.name)
                                   for f in dataclasses.fields(Release)})
    result = run_check("queens", 1, 2, property_ids=["detach_terminates"], variant=broken)
    e = entry(result, "detach_terminates")
    assert e["verdict"] == "violated" and e["cycle"] == []
    assert list(e["culprits"].values()) == ["cinder detached"]
    assert any(s["step"] == "api.detach_shelved_offloaded" for s in e["path"])
    out = io.StringIO()
    print_text(result.report, 0.0, Console(file=out, width=200))
    text = out.getvalue()
    assert "detach_terminates (liveness) violated" in text
    assert "then it stays there forever" in text and "breaks it: request[1]=cinder detached" in text


@pytest.mark.parametrize("release", list(RELEASES))
def test_no_deadlock_and_witnessed(every_release, release):
    result = every_release[release]
    assert entry(result, "no_deadlock")["verdict"] == "holds"
    assert entry(result, "detach_can_complete")["verdict"] == "witnessed"


@pytest.mark.parametrize("release", ["ocata", "ocata-eol", "pike", "pike-eol", "wallaby-eom", "master"])
def test_operators_can_always_recover(every_release, release):
    """With reset-state, force-detach, a new detach or attach, `nova reset-state` (and refresh on
    master), plus the instance operations an operator starts (a shelve and unshelve re-attaches a
    legacy volume whose BDM is still there), every reachable state can get back to a consistent one."""
    e = entry(every_release[release], "recoverable")
    assert e["verdict"] == "holds" and e["witness_path"] is not None


@pytest.mark.parametrize("release", ["queens", "queens-eol", "wallaby"])
def test_a_bdm_without_its_attachment_is_unrecoverable_before_the_404_fix(every_release, release):
    """An attachment_delete that timed out after Cinder deleted the attachment leaves the BDM with
    its id; a new detach and a shelve-offload both meet the 404 (before 9b1c078112): no tool of
    these releases removes that BDM."""
    e = entry(every_release[release], "recoverable")
    assert e["verdict"] == "violated"
    assert e["final_state"]["bdm[1]"] == "present" and e["final_state"]["attachment[1]"] == "deleted"
    assert e["final_state"]["style[1]"] == "attachment_id"
