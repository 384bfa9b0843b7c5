"""Liveness, deadlock and recoverability on the real model, asserted on what the checker found."""

from __future__ import annotations

import pytest

from fsm.releases import RELEASES


def entry(result, pid):
    return next(p for p in result.report["properties"] if p["id"] == pid)


@pytest.mark.parametrize("release", list(RELEASES))
def test_lost_cast_means_a_detach_that_never_ends(every_release, release):
    e = entry(every_release[release], "detach_terminates")
    assert e["verdict"] == "violated"
    assert e["cycle"] == []  # it then stays there: nothing fair can move it
    last = e["path"][-1]
    assert f"{last['step']}:{last['outcome']}" == "rpc.detach_volume:lost"
    assert list(e["culprits"].values()) == ["lost"]


@pytest.mark.parametrize("release", list(RELEASES))
def test_no_deadlock_and_witnessed(every_release, release):
    result = every_release[release]
    assert entry(result, "no_deadlock")["verdict"] == "holds"
    assert entry(result, "detach_can_complete")["verdict"] == "witnessed"


@pytest.mark.parametrize("release", list(RELEASES))
def test_operators_can_always_recover(every_release, release):
    """With reset-state, force-detach, `nova reset-state` (and refresh on master), plus the normal
    steps (a shelve and unshelve re-attaches a volume whose BDM is still there), every reachable
    state can get back to a consistent one."""
    e = entry(every_release[release], "recoverable")
    assert e["verdict"] == "holds" and e["witness_path"] is not None


def test_text_output_prints_the_lasso(capsys, tmp_path):
    from checker.cli import main
    main(["check", "--property", "detach_terminates", "--requests", "1", "--detach-only", "--reports", str(tmp_path)])
    out = capsys.readouterr().out
    assert "detach_terminates (liveness) violated" in out
    assert "then it stays there forever" in out
    assert "breaks it: request[1]=lost" in out
