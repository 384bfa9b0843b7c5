"""The command line: verdict output, report files, determinism, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from detachcheck.cli import main


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "detachcheck", *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize(("args", "needle"), [
    (["check", "--release", "havana"], "'pike-eol'"),
    (["compare", "pike", "havana"], "invalid choice: 'havana'"),
    (["check", "--property", "nope"], "available_implies_not_in_guest"),
    (["check", "--format", "xml"], "choose from 'text', 'markdown', 'json'"),
    (["check", "--max-states", "0"], "--max-states must be >= 1"),
    (["check", "--max-states", "-5"], "--max-states must be >= 1"),
    (["check", "--max-states", "many"], "must be an integer"),
    (["check", "--volumes", "9"], "--volumes must be 1..3"),
    (["check", "--requests", "0"], "--requests must be 1..3"),
    (["check", "--frobnicate"], "unrecognized arguments"),
    (["explode"], "invalid choice"),
    ([], "required"),
])
def test_bad_input_is_one_line_and_exit_2(args, needle, tmp_path):
    proc = run(*args, "--reports", str(tmp_path)) if args[:1] == ["check"] else run(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert needle in lines[0]
    assert "Traceback" not in proc.stderr


def test_check_prints_table_and_figures(tmp_path, capsys):
    assert main(["check", "--reports", str(tmp_path), "--requests", "1"]) == 0
    out = capsys.readouterr().out
    for pid in ("available_implies_no_host_connection", "persistent_matches_live", "no_deadlock"):
        assert pid in out
    assert "states:" in out and "transitions:" in out and "seconds:" in out
    assert (tmp_path / "pike-v1-r1.md").exists() and (tmp_path / "pike-v1-r1.json").exists()


def test_strict_exits_1_on_violation(tmp_path):
    assert main(["check", "--reports", str(tmp_path), "--requests", "1", "--strict", "--format", "json"]) == 1
    holding = ["--property", "root_volume_never_detached", "--property", "detach_can_complete"]
    assert main(["check", "--reports", str(tmp_path), "--requests", "1", "--strict", *holding]) == 0


def test_json_and_reports_are_byte_identical_across_runs(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    out1 = run("check", "--format", "json", "--reports", str(first)).stdout
    out2 = run("check", "--format", "json", "--reports", str(second)).stdout
    assert out1 == out2
    assert (first / "pike.json").read_bytes() == (second / "pike.json").read_bytes()
    assert (first / "pike.md").read_bytes() == (second / "pike.md").read_bytes()
    assert (first / "pike.html").read_bytes() == (second / "pike.html").read_bytes()
    assert (first / "pike.json").read_text() == out1
    text = out1 + (first / "pike.md").read_text()
    assert str(tmp_path) not in text and "seconds" not in text


def test_json_report_shape(tmp_path, capsys):
    main(["check", "--format", "json", "--reports", str(tmp_path)])
    report = json.loads(capsys.readouterr().out)
    assert report["release"]["name"] == "pike" and report["release"]["nova"] == "16.0.0"
    assert report["search"]["complete"] is True
    violated = [p for p in report["properties"] if p["verdict"] == "violated"]
    assert violated
    for p in violated:
        assert len(p["path"]) == p["length"]
        for n, step in enumerate(p["path"], start=1):
            assert step["n"] == n and step["changes"]


def test_max_states_reports_unknown_not_holds(tmp_path, capsys):
    assert main(["check", "--max-states", "20", "--reports", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "search stopped at --max-states 20" in out
    assert not (tmp_path / "pike.json").exists()  # a partial run never overwrites the full report
    report = json.loads((tmp_path / "pike-partial.json").read_text())
    assert report["search"]["complete"] is False
    assert report["search"]["partial"] == {"stopped_by": "max-states", "max_seconds": None, "states_checked": 20,
                                           "depth_completed": report["search"]["depth"], "phases": ["searching"]}
    verdicts = {p["id"]: p["verdict"] for p in report["properties"]}
    assert verdicts["root_volume_never_detached"] == "unknown"
    assert "holds" not in verdicts.values()


def test_max_seconds_gives_a_partial_report_that_says_what_it_covered(tmp_path, capsys):
    args = ["check", "--volumes", "2", "--requests", "3", "--no-symmetry", "--max-seconds", "1"]
    assert main([*args, "--reports", str(tmp_path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    part = report["search"]["partial"]
    assert part["stopped_by"] == "max-seconds" and part["phases"] == ["searching"]
    assert part["states_checked"] == report["search"]["states"] and part["depth_completed"] >= 1
    assert "holds" not in {p["verdict"] for p in report["properties"]}
    assert "stopped by --max-seconds 1" in (tmp_path / "pike-v2-r3-partial.md").read_text()


def test_no_stray_output_on_stderr(tmp_path):
    proc = run("check", "--requests", "1", "--reports", str(tmp_path))
    assert proc.returncode == 0 and proc.stderr == ""


def test_property_filter_keeps_witnesses_and_the_full_report(tmp_path, capsys):
    main(["check", "--property", "persistent_matches_live", "--format", "json", "--reports", str(tmp_path)])
    report = json.loads(capsys.readouterr().out)
    assert [p["id"] for p in report["properties"]] == ["persistent_matches_live", "detach_can_roll_back"]
    assert (tmp_path / "pike-selected.json").exists() and not (tmp_path / "pike.json").exists()


def test_unwritable_reports_dir_is_a_clean_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run("check", "--reports", str(blocker / "sub"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_release_all_writes_the_matrix(tmp_path, capsys):
    assert main(["check", "--release", "all", "--requests", "1", "--detach-only", "--reports", str(tmp_path),
                 "--format", "json"]) == 0
    matrix = json.loads(capsys.readouterr().out)
    names = [r["name"] for r in matrix["releases"]]
    assert names == ["ocata", "ocata-eol", "pike", "pike-eol", "queens", "queens-eol", "wallaby",
                     "wallaby-eom", "master"]
    row = next(r for r in matrix["properties"] if r["id"] == "available_implies_no_host_connection")
    verdicts = dict(zip(names, (c["verdict"] for c in row["cells"]), strict=True))
    assert verdicts["pike"] == "violated" and verdicts["pike-eol"] == "holds"
    text = (tmp_path / "matrix-v1-r1-detach-only.md").read_text()
    assert "[pike](pike-v1-r1-detach-only.md)" in text
    for name in names:  # every column links to a report that exists
        assert (tmp_path / f"{name}-v1-r1-detach-only.md").exists()


def test_compare_shows_what_a_fix_changes(capsys):
    assert main(["compare", "pike", "pike+disconnect-on-not-found", "--detach-only", "--requests", "1",
                 "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    row = next(p for p in result["properties"] if p["id"] == "available_implies_no_host_connection")
    assert (row["base"], row["variant"], row["change"]) == ("violated", "holds", "flips")
    assert row["vanished"] and any(s["outcome"] == "not_found" for s in row["vanished"])
    assert result["states"]["lost"] > 0


def test_compare_text_output(capsys):
    assert main(["compare", "queens-eol", "queens-eol-no-rollback-on-ddf", "--detach-only", "--requests", "1"]) == 0
    out = capsys.readouterr().out
    assert "queens-eol -> queens-eol-no-rollback-on-ddf" in out
    assert "states:" in out
