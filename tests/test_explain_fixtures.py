"""`detachcheck explain` on every log fixture (tests/fixtures/logs, each message cited in CITATIONS.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detachcheck.cli import main
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.variants import VARIANTS

LOGS = Path(__file__).resolve().parent / "fixtures" / "logs"


def explain(capsys, *args: str) -> tuple[int, dict]:
    code = main(["explain", *map(str, args), "--format", "json"])
    out = capsys.readouterr()
    assert out.err == "", out.err
    return code, json.loads(out.out)


def steps(data: dict, observed_only: bool = False) -> list[str]:
    return [f"{p['step']}:{p['outcome']}" + (f" req={p['request']}" if p["request"] else "")
            for p in data["path"] if p["observed"] or not observed_only]


def state(data: dict, component: str) -> set[str]:
    return {s[component] for s in data["end_states"]["states"]}


def test_pike_success(capsys):
    code, data = explain(capsys, LOGS / "pike-success")
    assert data["release"] == "pike" and data["fits"]
    seen = steps(data, observed_only=True)
    for needed in ("api.begin_detaching:ok req=1", "rpc.detach_volume:ok req=1", "compute.detach_live:ok req=1",
                   "compute.disconnect_volume:ok req=1", "compute.terminate_connection:ok req=1",
                   "compute.cinder_detach:ok req=1"):
        assert needed in seen, seen
    assert "compute.destroy_bdm:ok req=1" in steps(data)  # silent: Nova logs nothing for it
    services = {o["file"].rsplit("/", 1)[-1] for o in data["observed"]}
    assert services == {"cinder-api.log", "cinder-volume.log", "nova-api.log", "nova-compute.log"}
    assert state(data, "volume") == {"available/detached"} and state(data, "LUN mapping") == {"unmapped"}
    assert data["violated"] == [] and data["incidents"] == [] and data["assumed"] == []
    assert data["recovery"] == ["nothing to do: every at_rest property already holds"]
    assert code == 0


def test_queens_attachment_success(capsys):
    code, data = explain(capsys, LOGS / "queens-attachment-success")
    assert data["release"] == "queens" and data["fits"]
    assert "compute.attachment_delete:ok req=1" in steps(data, observed_only=True)
    assert "compute.terminate_connection:ok req=1" not in steps(data)  # new-style: attachment_delete instead
    assert state(data, "volume") == {"available/detached"} and state(data, "bdm") == {"destroyed"}
    assert code == 0


def test_pike_terminate_failure(capsys):
    code, data = explain(capsys, LOGS / "pike-terminate-failure")
    assert data["release"] == "pike" and data["fits"]
    assert "compute.terminate_connection:error req=1" in steps(data, observed_only=True)
    assert state(data, "volume") == {"detaching/attached"} and state(data, "request 1") == {"aborted"}
    assert state(data, "host connection") == {"disconnected"} and state(data, "LUN mapping") == {"mapped"}
    assert "no_stuck_transitional_status" in data["violated"]
    # Fewest commands, then the least disruption: the detach is retried, the guest not rebooted.
    assert [c.split()[:2] for c in data["recovery"]] == [["cinder", "reset-state"], ["nova", "volume-detach"]]
    assert data["unrecognised"] == 1  # the NetApp driver's own "Error unmapping LUN" line
    assert code == 1


def test_queens_osbrick_retry(capsys):
    code, data = explain(capsys, LOGS / "queens-osbrick-retry")
    assert data["release"] == "queens" and data["fits"] and data["requests"] == 2
    seen = steps(data, observed_only=True)
    for needed in ("compute.disconnect_volume:error req=1", "compute.roll_detaching:ok req=1",
                   "compute.detach_live:not_found req=2", "compute.attachment_delete:ok req=2"):
        assert needed in seen, seen
    assert state(data, "request 1") == {"rolled back"} and state(data, "request 2") == {"completed"}
    assert state(data, "volume") == {"available/detached"} and state(data, "host connection") == {"connected"}
    assert data["violated"] == ["available_implies_no_host_connection"]
    (bug,) = data["incidents"]
    assert bug["id"] == "lp1727260_disk_not_found_leak" and bug["release_has_it"]
    assert "fixed in 16.1.2 / 17.0.1" in bug["text"] and "your release has it" in bug["text"]
    assert any("iSCSI session" in h for h in data["host_cleanup"])
    assert code == 1


def test_queens_osbrick_retry_on_a_fixed_release_needs_a_missing_line(capsys):
    """On queens-eol DiskNotFound no longer skips the disconnect: the same lines fit only if os-brick's
    DEBUG lines of request 2's disconnect are missing, and then nothing is left on the host."""
    code, data = explain(capsys, LOGS / "queens-osbrick-retry", "--release", "queens-eol")
    assert data["release"] == "queens-eol" and data["fits"]
    assert [a.split(":")[0] for a in data["assumed"]] == ["compute.disconnect_volume"]
    assert state(data, "host connection") == {"disconnected"}
    assert data["incidents"] == [] and data["violated"] == [] and code == 0


def test_lines_the_model_cannot_print_are_the_first_unmatched(capsys, tmp_path):
    """The seed's request, then a DiskNotFound warning of the same request after it rolled back: no path
    prints that (nova/compute/manager.py _driver_detach_volume @ 15.0.4 logs one or the other)."""
    log = tmp_path / "nova-compute.log"
    late = ("2017-06-20 14:27:44.100 7 WARNING nova.compute.manager [req-812a98ce-d0ff-469d-aa28-bcc37c1ca94e "
            "1a236a63e6864cf5a5b26d4b816f719b 406cd353135e44f0ade98f53d92d5d8b - - -] [instance: "
            "4bfefe2b-3611-4c65-a293-657cf6eaf271] Ignoring DiskNotFound exception while detaching volume "
            "e0bd76b1-5bb8-45dc-9691-39933b122db7 from /dev/vdb: No disk at vdb\n")
    log.write_text((LOGS / "seed-ocata" / "nova-compute.log").read_text() + late)
    code, data = explain(capsys, log, "--release", "ocata")
    assert data["fits"] is False
    u = data["first_unmatched"]
    assert u["line"] == 34 and "Ignoring DiskNotFound" in u["text"]
    assert u["enabled"] and "the model lacks" in u["reason"]
    assert state(data, "request 1") == {"rolled back"}  # where the longest fitting prefix leaves it
    assert code == 1


def test_pike_compute_crash(capsys):
    code, data = explain(capsys, LOGS / "pike-compute-crash")
    assert data["release"] == "pike" and data["fits"]
    all_steps = steps(data)
    assert "compute.crash:ok" in all_steps and "compute.restart:ok" in steps(data, observed_only=True)
    assert all_steps.index("compute.crash:ok") < all_steps.index("compute.restart:ok")
    assert any(a.startswith("compute.crash:ok") for a in data["assumed"])  # no line says a process died
    assert "detaching/attached" in state(data, "volume") and "crashed" in state(data, "request 1")
    assert state(data, "nova-compute") == {"up"}
    assert "no_stuck_transitional_status" in data["at_risk"]
    assert code == 0


def test_wallaby_refuses_while_compute_is_down(capsys):
    code, data = explain(capsys, LOGS / "wallaby-compute-down" / "nova-api.wallaby.log")
    assert data["release"] == "wallaby"
    assert steps(data, observed_only=True) == ["api.begin_detaching:service_down req=1"]
    assert state(data, "request 1") == {"rejected"} and state(data, "nova-compute") == {"down"}
    assert state(data, "volume") == {"in-use/attached"}
    assert data["violated"] == [] and code == 0


def test_pike_accepts_while_compute_is_down(capsys):
    folder = LOGS / "wallaby-compute-down"
    code, data = explain(capsys, folder / "nova-api.pike.log", folder / "nova-compute.pike.log")
    assert data["release"] == "pike"
    assert any("version 16.0.0" in e for e in data["release_evidence"])
    all_steps = steps(data)
    assert all_steps.index("compute.crash:ok") < all_steps.index("rpc.detach_volume:ok req=1") \
        < all_steps.index("compute.restart:ok")
    assert "compute.restart:ok" in steps(data, observed_only=True)


def test_devstack_journald(capsys):
    code, data = explain(capsys, LOGS / "devstack-journald")
    assert data["release"] == "wallaby-eom" and data["fits"]
    seen = steps(data, observed_only=True)
    for needed in ("compute.detach_persistent:ok req=1", "compute.detach_live:ok req=1", "guest.ack_unplug:ok",
                   "compute.wait_and_retry_detach:ok req=1", "compute.disconnect_volume:ok req=1"):
        assert needed in seen, seen
    assert state(data, "volume") == {"available/detached"}
    assert data["observed"][0]["time"].startswith("Sep 07 ")
    assert code == 0


def test_two_files_merged_by_time(capsys):
    code, data = explain(capsys, LOGS / "two-files-ocata")
    assert data["release"] == "ocata" and data["fits"]
    files = [o["file"].rsplit("/", 1)[-1] for o in data["observed"]]
    assert files[0] == "nova-api.log" and set(files) == {"nova-api.log", "nova-compute.log"}
    times = [o["time"] for o in data["observed"]]
    assert times == sorted(times)
    assert [i["id"] for i in data["incidents"]] == ["seed_device_detach_failed"]
    assert code == 1


def test_several_volumes_need_volume(capsys):
    code = main(["explain", str(LOGS / "wallaby-compute-down")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    for needle in ("2 volumes were detached", "d7e4a1b8-3c6f-4a2d-9e5b-8f1c0a7d3e62",
                   "instance 9c2d5e8a-1f4b-4c7d-a3e6-5b8f0d2c7a91", "2017-10-13 08:20:05.311", "1 request",
                   "--volume"):
        assert needle in err[0]
    code, data = explain(capsys, LOGS / "wallaby-compute-down", "--volume", "f3b9d1e7-6a2c-4f8b-9e5d-2c7a0f4b8e91")
    assert data["release"] == "wallaby" and state(data, "request 1") == {"rejected"}


@pytest.mark.parametrize("release", [*RELEASES, *VARIANTS])
def test_a_release_that_prints_otherwise_is_told(capsys, release):
    """The seed's Ocata lines under another release: recognised or not, never a traceback, exit 0, 1 or 2."""
    code = main(["explain", str(LOGS / "seed-ocata"), "--release", release, "--format", "json"])
    out = capsys.readouterr()
    assert code in (0, 1, 2)
    if code == 2:
        assert len(out.err.strip().splitlines()) == 1
    else:
        assert json.loads(out.out)["release"] == release


def test_a_second_detach_after_a_completed_one_is_a_new_episode(capsys, tmp_path):
    """pike-success's nova-compute lines twice (the second an hour later, another request id): the volume
    must have been attached again in between; explain assumes that attach and says so."""
    text = (LOGS / "pike-success" / "nova-compute.log").read_text()
    again = text.replace("2017-10-12 09:14", "2017-10-12 10:20").replace(
        "req-2f8b6c1e-4d7a-4b9e-a3c5-7e1d9f0b2a64", "req-5d0c2b9e-4d7a-4b9e-a3c5-7e1d9f0b2a64")
    (tmp_path / "nova-compute.log").write_text(text + again)
    code, data = explain(capsys, tmp_path)
    assert data["fits"] and data["requests"] == 2
    order = steps(data)
    attach = order.index("operator.attach:ok")
    assert order.index("compute.destroy_bdm:ok req=1") < attach < order.index("rpc.detach_volume:ok req=2")
    assert any(a.startswith("operator.attach:ok") and "attached again" in a for a in data["assumed"])
    assert state(data, "request 1") == {"completed"} and state(data, "request 2") == {"completed"}
    assert code == 0


@pytest.mark.parametrize("columns", ["60", "80", "200"])
def test_recovery_commands_paste_into_a_shell(capsys, monkeypatch, columns):
    """On a terminal a long command is continued with ` \\` at the line's very end (no padding after
    it), never broken inside a word: a shell reading the lines runs exactly the JSON's commands."""
    _, data = explain(capsys, LOGS / "pike-terminate-failure")
    monkeypatch.setenv("COLUMNS", columns)
    main(["explain", str(LOGS / "pike-terminate-failure")])
    text = capsys.readouterr().out
    lines = text.split("\nrecovery\n", 1)[1].splitlines()
    commands, current = [], ""
    for line in lines:
        if line.startswith("  $ "):
            current = line[4:]
        elif current and line.startswith("    "):
            current += " " + line.strip()
        else:
            break
        if current.endswith(" \\"):
            current = current[:-2]
        else:
            commands.append(current)
            current = ""
    assert commands == data["recovery"]
    assert all(len(line) <= min(int(columns), 80) for line in lines[:4])
