"""`detachcheck explain` on the seed incident's own log lines (tests/fixtures/logs/seed-ocata)."""

from __future__ import annotations

import json
from pathlib import Path

from detachcheck.cli import main

LOGS = Path(__file__).resolve().parent / "fixtures" / "logs"
SEED = LOGS / "seed-ocata"
VOLUME = "e0bd76b1-5bb8-45dc-9691-39933b122db7"
INSTANCE = "4bfefe2b-3611-4c65-a293-657cf6eaf271"
KEYS = {"release", "release_evidence", "volume", "instance", "observed", "fits", "first_unmatched", "end_states",
        "violated", "at_risk", "incidents", "recovery", "unrecognised"}


def explain(capsys, *args: str) -> tuple[int, dict]:
    code = main(["explain", *args, "--format", "json"])
    out = capsys.readouterr()
    assert out.err == "", out.err
    return code, json.loads(out.out)


def test_seed_with_release(capsys):
    code, data = explain(capsys, str(SEED), "--release", "ocata")
    assert KEYS <= set(data)
    assert data["volume"] == VOLUME and data["instance"] == INSTANCE
    steps = [f"{p['step']}:{p['outcome']}" for p in data["path"]]
    # begin_detaching (silent here: nova-api's and cinder-api's logs are not given), the RPC, the guest
    # detach, the retries ending in DeviceDetachFailed, and the roll-back in the same exception handler
    for needed in ("api.begin_detaching:ok", "rpc.detach_volume:ok", "compute.detach_live:ok",
                   "compute.wait_and_retry_detach:timeout", "compute.roll_detaching:ok"):
        assert needed in steps, steps
    assert steps.index("compute.wait_and_retry_detach:timeout") < steps.index("compute.roll_detaching:ok")
    observed = {(o["step"], o["outcome"]) for o in data["observed"]}
    assert observed == {("compute.detach_live", "ok"), ("compute.wait_and_retry_detach", "timeout")}
    lines = {o["line"] for o in data["observed"]}
    assert lines == {1, 27}  # the ERROR record (with its traceback) and the DEBUG record (with its XML)
    assert data["fits"] is True and data["first_unmatched"] is None
    ends = data["end_states"]
    assert ends["count"] == 1
    now = ends["states"][0]
    assert now["volume"] == "in-use/attached"
    assert now["guest disk"] == "live, unplug pending"  # gone from the persistent config, still in the live guest
    assert now["bdm"].startswith("present") and now["host connection"] == "connected"
    assert now["request 1"] == "rolled back"
    assert "persistent_matches_live" in data["violated"]
    assert code == 1
    assert [i["id"] for i in data["incidents"]] == ["seed_device_detach_failed"]
    assert data["recovery"] and all(INSTANCE in c or VOLUME in c for c in data["recovery"])


def test_seed_infers_ocata_from_the_traceback(capsys):
    code, data = explain(capsys, str(SEED))
    assert data["release"] == "ocata"
    frames = data["release_evidence"][0]
    for frame in ("manager.py line 4822 in _driver_detach_volume", "driver.py line 1348 in detach_volume",
                  "guest.py line 428 in _do_wait_and_retry_detach"):
        assert frame in frames
    assert "15.0.1" in frames and "15.0.4" in frames and "16.0.0" not in frames
    assert code == 1


def test_seed_json_is_deterministic(capsys):
    main(["explain", str(SEED), "--format", "json"])
    first = capsys.readouterr().out
    main(["explain", str(SEED), "--format", "json"])
    assert capsys.readouterr().out == first


def test_seed_text_fits_80_columns(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["explain", str(SEED)]) == 1
    out = capsys.readouterr().out
    assert "compute.wait_and_retry_detach:timeout" in out and "rolled back" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_seed_markdown(capsys):
    assert main(["explain", str(SEED), "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"# detachcheck explain: volume `{VOLUME}`")
    assert "| guest disk | live, unplug pending |" in out
    assert "nova reboot --hard" in out


def test_seed_verbose_lists_unrecognised(capsys, tmp_path):
    noisy = tmp_path / "nova-compute.log"
    extra = (f"2017-06-20 14:27:40.000 7 INFO nova.compute.manager [req-812a98ce-d0ff-469d-aa28-bcc37c1ca94e - - -] "
             f"[instance: {INSTANCE}] Something nova never prints\n")
    noisy.write_text(extra + (SEED / "nova-compute.log").read_text())
    code, data = explain(capsys, str(noisy), "--verbose")
    assert data["unrecognised"] == 1
    assert data["unrecognised_lines"][0]["line"] == 1
    assert code == 1
