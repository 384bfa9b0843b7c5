"""Traces: the format, `detachcheck replay`, and the round trip check -> trace file -> replay."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detachcheck.checker.trace import TraceError, parse, replay, to_trace
from detachcheck.cli import main
from detachcheck.fsm.protocol import STEPS
from detachcheck.fsm.releases import RELEASES
from detachcheck.properties.incidents import INCIDENTS
from detachcheck.properties.registry import LIVENESS, RECOVERABLE, REGISTRY

SEED = """\
# the seed incident, by hand
release: pike
volumes: 1
requests: 1
api.check_instance vol=1
api.get_volume
api.check_bdm
api.begin_detaching
rpc.detach_volume
compute.detach_live
compute.wait_and_retry_detach:timeout
compute.roll_detaching
"""


def write(tmp_path, text, name="t.trace"):
    path = tmp_path / name
    path.write_text(text)
    return path


CLEAN = """\
release: pike
requests: 1
api.check_instance vol=1
api.get_volume
api.check_bdm
api.begin_detaching
rpc.detach_volume
compute.detach_live
guest.ack_unplug vol=1
compute.wait_and_retry_detach
compute.disconnect_volume
compute.terminate_connection
compute.cinder_detach
compute.destroy_bdm
"""


def test_clean_detach_exits_0(tmp_path, capsys):
    assert main(["replay", str(write(tmp_path, CLEAN))]) == 0
    out = capsys.readouterr().out
    assert "no property violated along the way" in out
    assert "every at_rest property holds" in out


def test_seed_trace_shows_changes_and_the_at_rest_break(tmp_path, capsys):
    assert main(["replay", str(write(tmp_path, SEED))]) == 1
    out = capsys.readouterr().out
    assert "compute.wait_and_retry_detach:timeout" in out
    assert "disk[1]: persistent+live -> live, unplug pending" in out
    assert "violated: persistent_matches_live (at_rest) first at step 8 (line 12)" in out
    assert "at rest at the end; breaks: persistent_matches_live" in out


def test_violation_exits_1_with_the_first_step(tmp_path, capsys):
    text = SEED + "guest.ack_unplug vol=1\n" + "\n".join(
        ["api.check_instance vol=1", "api.get_volume", "api.check_bdm", "api.begin_detaching",
         "rpc.detach_volume", "compute.detach_live:not_found", "compute.terminate_connection",
         "compute.cinder_detach"]).replace("requests: 1", "requests: 1") + "\n"
    path = write(tmp_path, text.replace("requests: 1", "requests: 2"))
    assert main(["replay", str(path), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    first = {v["id"]: v for v in data["violations"]}["available_implies_no_host_connection"]
    assert first["step"] == len(data["steps"]) and first["line"] == data["steps"][-1]["line"]
    assert data["steps"][0] == {"line": 5, "step": "api.check_instance", "outcome": "ok", "keys": {"vol": "1"},
                                "changes": data["steps"][0]["changes"]}


def test_release_option_wins_over_the_header(tmp_path, capsys):
    assert main(["replay", str(write(tmp_path, SEED)), "--release", "master"]) == 2  # W+: detach_persistent first
    err = capsys.readouterr().err
    assert "line 10" in err and "compute.detach_persistent:ok" in err


@pytest.mark.parametrize(("text", "needle"), [
    ("api.check_instance vol=1\ncompute.detach_live\n", "line 2: compute.detach_live:ok is not enabled here"),
    ("bogus.step\n", "line 1: unknown step 'bogus.step'"),
    ("api.get_volume:sideways vol=1\n", "has no outcome 'sideways'"),
    ("api.check_instance vol=1\napi.check_instance vol=1\napi.get_volume\n", "matches several enabled steps"),
    ("api.get_volume volume=1\n", "unknown key 'volume'"),
    ("api.get_volume vol\n", "expected KEY=VALUE"),
    ("api.get_volume vol=1 vol=1\n", "given twice"),
    ("api.get_volume vol=7\n", "vol=7"),
    ("api.get_volume req=9 vol=1\n", "req=9"),
    ("release: havana\n", "unknown release 'havana'"),
    ("volumes: 0\n", "header volumes"),
    ("api.check_instance vol=1\nrelease: pike\n", "header 'release' after the first step"),
    (":ok\n", "cannot parse"),
])
def test_invalid_trace_exits_2_with_line_and_reason(tmp_path, capsys, text, needle):
    assert main(["replay", str(write(tmp_path, text))]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_not_enabled_lists_what_is_enabled(tmp_path, capsys):
    main(["replay", str(write(tmp_path, "api.check_instance vol=1\ncompute.detach_live\n"))])
    [line] = capsys.readouterr().err.splitlines()  # one line: the reason, then what is enabled
    enabled = line.split("; enabled here: ", 1)[1]
    assert "api.get_volume:ok req=1 vol=1" in enabled


def test_unreadable_file_is_a_clean_error(tmp_path, capsys):
    assert main(["replay", str(tmp_path / "missing.trace")]) == 2
    bad = tmp_path / "bad.trace"
    bad.write_bytes(b"\xff\xfe\x00")
    assert main(["replay", str(bad)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


STEP_NAMES = sorted({s.name for s in STEPS})
OUTCOMES = sorted({o.name for s in STEPS for o in s.outcomes})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_text_gives_only_clear_errors(text):
    try:
        replay(text)
    except TraceError as err:
        assert str(err)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(STEP_NAMES), st.sampled_from(OUTCOMES),
                          st.sampled_from(["", " req=1", " req=2", " vol=1", " vol=root", " req=1 vol=1"])),
                max_size=12),
       st.sampled_from(sorted(RELEASES)))
def test_random_step_sequences_give_only_clear_errors(steps, release):
    text = f"release: {release}\n" + "".join(f"{s}:{o}{k}\n" for s, o, k in steps)
    try:
        replay(text)
    except TraceError as err:
        assert err.line >= 0 and str(err)


def reproduces(report, entry) -> None:
    """Replaying the trace of a counterexample reaches the same violation."""
    result = replay(to_trace(report, entry))
    kind = entry.get("kind", "incident")
    if kind in ("always", "at_rest"):
        first = {v["id"]: v["step"] for v in result.violations}
        assert first.get(entry["id"]) == len(entry["path"]), entry["id"]
    elif kind == LIVENESS:
        assert result.final == entry["final_state"]  # the cycle returns to where it started
        view = result.model.layout.view(result.states[-1])
        assert any(REGISTRY[entry["id"]].check(view, q) for q in view.requests)
    elif kind == RECOVERABLE:
        assert result.final == entry["final_state"]
    else:
        assert INCIDENTS[entry["id"]].check(result.model.layout.view(result.states[-1]))


@pytest.mark.parametrize("release", list(RELEASES))
def test_every_counterexample_round_trips(every_release, release):
    report = every_release[release].report
    entries = [p for p in report["properties"] if p["verdict"] == "violated"] + \
              [i for i in report["incidents"] if i["verdict"] == "reached"]
    assert entries
    for entry in entries:
        reproduces(report, entry)


def test_check_writes_traces_that_replay(tmp_path):
    assert main(["check", "--release", "queens", "--reports", str(tmp_path), "--format", "json"]) in (0, 1)
    traces = sorted((tmp_path / "traces" / "queens").glob("*.trace"))
    assert traces
    for path in traces:
        rc = main(["replay", str(path), "--format", "json"])
        assert rc in (0, 1)
        assert parse(path.read_text()).headers["release"] == "queens"
