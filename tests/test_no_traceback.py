"""No traceback, ever: each defect of issue 12 with the test that reproduced it."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from detachcheck.checker.outputs import files
from detachcheck.checker.outputs.diagrams import lifecycles
from detachcheck.cli import main

SEED = """\
release: pike
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
SMALL = ["--requests", "1", "--detach-only"]


def cli(*args: str, cwd=None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "detachcheck", *args], capture_output=True, text=True, cwd=cwd,
                          **kwargs)


def one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def no_dot(tmp_path, monkeypatch):
    """A PATH without Graphviz's dot (nor anything else)."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


# 1. Graphviz missing


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_check_without_dot_writes_every_report_and_warns(no_dot, tmp_path, capsys, fmt):
    out = tmp_path / "r"
    assert main(["check", *SMALL, "--reports", str(out), "--format", fmt]) == 0
    captured = capsys.readouterr()
    assert "graphviz" in one_line(captured.err).lower() and "warning" in captured.err
    if fmt == "json":
        assert json.loads(captured.out)["release"]["name"] == "pike"
    stem = "pike-v1-r1-detach-only"
    for suffix in (".md", ".json", ".html"):
        assert (out / f"{stem}{suffix}").exists()
    assert list((out / "traces" / stem).glob("*.trace"))
    html = (out / f"{stem}.html").read_text()
    assert "Not drawn" in html and "graphviz" in html and "<svg" not in html


def test_diagrams_without_dot_exits_2_naming_the_package(no_dot, tmp_path, capsys):
    assert main(["diagrams", "--out", str(tmp_path / "d")]) == 2
    line = one_line(capsys.readouterr().err)
    assert "graphviz" in line and "--no-svg" in line
    assert not (tmp_path / "d").exists()
    assert main(["diagrams", "--no-svg", "--out", str(tmp_path / "d")]) == 0
    assert len(list((tmp_path / "d").glob("*.dot"))) == len(lifecycles())


# 2. digits that are not ASCII digits


@pytest.mark.parametrize("text", [
    "api.get_volume req=\u00b2 vol=1\n",
    "volumes: \u00b2\napi.get_volume vol=1\n",
    "requests: \u00b9\napi.get_volume vol=1\n",
    "requests: \u0663\napi.get_volume vol=1\n",
    "requests: 99999999999999999999999\napi.get_volume vol=1\n",
])
def test_unicode_digits_are_a_clean_error(tmp_path, capsys, text):
    path = tmp_path / "t.trace"
    path.write_text(text, encoding="utf-8")
    assert main(["replay", str(path)]) == 2
    assert one_line(capsys.readouterr().err).startswith("detachcheck: error:")


# 3. stdout full or closed


@pytest.mark.parametrize("args", [["check", *SMALL, "--format", "json"], ["check", *SMALL], ["properties"],
                                  ["--help"], ["--version"]])
def test_full_stdout_is_one_line_and_exit_2(tmp_path, args):
    extra = ["--reports", str(tmp_path)] if args[0] == "check" else []
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "detachcheck", *args, *extra], stdout=full,
                              stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 2
    assert "No space left on device" in one_line(proc.stderr)


@pytest.mark.parametrize("args", [["check", *SMALL, "--format", "json"], ["check", *SMALL], ["releases"]])
def test_closed_stdout_is_one_line_and_exit_2(tmp_path, args):
    extra = ["--reports", str(tmp_path)] if args[0] == "check" else []
    proc = subprocess.run([sys.executable, "-m", "detachcheck", *args, *extra], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, preexec_fn=lambda: os.close(1))
    assert proc.returncode == 2
    assert "standard output" in one_line(proc.stderr)


# 4. a reader that leaves early


@pytest.mark.parametrize(("args", "code"), [(["check", *SMALL], 0), (["check", *SMALL, "--strict"], 1),
                                            (["replay", "SEED"], 1), (["releases"], 0)])
def test_closed_pipe_exits_as_the_run_did(tmp_path, args, code):
    seed = tmp_path / "seed.trace"
    seed.write_text(SEED)
    args = [str(seed) if a == "SEED" else a for a in args]
    extra = ["--reports", str(tmp_path / "r")] if args[0] == "check" else []
    proc = subprocess.Popen([sys.executable, "-m", "detachcheck", *args, *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # like `| head -0`: the reader is gone before the first write
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == code, err
    assert err == ""


# 5. --strict with nothing settled


def test_strict_refuses_unknown_verdicts(tmp_path, capsys):
    args = ["check", "--strict", "--max-states", "3", "--property", "root_volume_never_detached",
            "--reports", str(tmp_path), "--format", "json"]
    assert main(args) == 1
    report = json.loads(capsys.readouterr().out)
    assert {p["verdict"] for p in report["properties"]} == {"unknown"}


def test_strict_refuses_a_vacuous_pass(tmp_path):
    args = ["check", "--strict", "--property", "shelved_offloaded_holds_nothing", "--reports", str(tmp_path), *SMALL]
    assert main(args) == 1


# 6. compare with a stopped search


def test_compare_says_the_search_stopped_and_reports_no_flip_from_the_limit(capsys):
    args = ["compare", "pike", "pike+disconnect-on-not-found", "--max-states", "40"]
    assert main([*args, "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["search"] == {"max_states": 40, "complete": {"base": False, "variant": False}}
    for row in result["properties"]:
        if "unknown" in (row["base"], row["variant"]):
            assert row["change"] == "unsettled" and row["vanished"] is None and row["appeared"] is None
    assert not [r for r in result["properties"] if r["change"] == "flips"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "search stopped at --max-states 40" in out and "no flip is reported" in out
    assert "[flips]" not in out


# 7. fuzz --reports on a regular file


def test_fuzz_reports_on_a_file_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["fuzz", "--examples", "1", "--steps", "1", "--reports", str(blocker)]) == 2
    assert "not a directory" in one_line(capsys.readouterr().err)


# 8. fuzz runs the steps asked for


@pytest.mark.parametrize("steps", [1, 3])
def test_fuzz_runs_the_steps_asked_for(tmp_path, steps):
    from detachcheck.checker.fuzz import fuzz
    result = fuzz("pike", 1, steps, derandomize=True, reports=tmp_path)
    assert result.stats.steps == steps


def test_fuzz_warns_when_nothing_was_exercised(tmp_path, capsys, monkeypatch):
    from detachcheck.checker import fuzz as fuzz_module
    from detachcheck.checker.fuzz import FuzzResult
    from detachcheck.checker.stateful import Stats
    monkeypatch.setattr(fuzz_module, "fuzz", lambda *a, **k: FuzzResult("pike", Stats(), 0.0, [], None, None))
    assert main(["fuzz", "--reports", str(tmp_path)]) == 0
    assert "no protocol step was exercised" in one_line(capsys.readouterr().err)


# 9. trace files


def test_trace_with_a_byte_order_mark_replays(tmp_path, capsys):
    path = tmp_path / "bom.trace"
    path.write_text(SEED, encoding="utf-8-sig")
    assert main(["replay", str(path)]) == 1  # the seed violates persistent_matches_live
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("header", ["release: pike", "volumes: 1", "requests: 1"])
def test_duplicate_headers_are_refused(tmp_path, capsys, header):
    path = tmp_path / "dup.trace"
    path.write_text(f"{header}\n{header}\n{SEED.replace(header + chr(10), '')}")
    assert main(["replay", str(path)]) == 2
    assert "given twice" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize("line", ["x" * 5_000_000, "api.get_volume vol=" + "9" * 5_000_000,
                                  "release: " + "p" * 5_000_000, "api.get_volume " + "k" * 5_000_000 + "=1"])
def test_a_huge_name_is_not_echoed_whole(tmp_path, capsys, line):
    path = tmp_path / "huge.trace"
    path.write_text(line[:1_000_000] + "\n")
    assert main(["replay", str(path)]) == 2
    err = one_line(capsys.readouterr().err)
    assert len(err) < 1000 and "more characters" in err


def test_a_trace_larger_than_1_mib_is_refused(tmp_path, capsys):
    path = tmp_path / "big.trace"
    path.write_text("# padding\n" * 110_000)
    assert main(["replay", str(path)]) == 2
    assert "larger than 1024 KiB" in one_line(capsys.readouterr().err)


def test_replay_dev_zero_stops_at_the_cap():
    proc = cli("replay", "/dev/zero", timeout=60)
    assert proc.returncode == 2 and "larger than" in one_line(proc.stderr)


# 10. unwritable output found first; atomic writes


def test_unwritable_reports_is_found_before_the_search(tmp_path, capsys, monkeypatch):
    from detachcheck import cli
    monkeypatch.setattr(cli, "run_check", lambda *a, **k: pytest.fail("searched before checking --reports"))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["check", "--reports", str(blocker / "sub")]) == 2
    assert "not a directory" in one_line(capsys.readouterr().err)
    assert main(["check", "--reports", str(tmp_path), "--junit-xml", str(tmp_path)]) == 2
    assert "is a directory" in one_line(capsys.readouterr().err)


def test_a_full_disk_leaves_the_old_report_whole(tmp_path, capsys, monkeypatch):
    out = tmp_path / "r"
    out.mkdir()
    old = out / "pike-v1-r1-detach-only.md"
    old.write_text("the previous report\n")

    def half_then_full(fd: int, data: bytes) -> None:
        os.write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files, "_write_all", half_then_full)
    assert main(["check", *SMALL, "--reports", str(out)]) == 2
    assert "no space left on device" in one_line(capsys.readouterr().err)
    assert old.read_text() == "the previous report\n"
    assert sorted(p.name for p in out.iterdir()) == [old.name]  # no temporary file left behind


def test_every_writer_uses_the_atomic_helper():
    root = Path(__file__).resolve().parent.parent
    for folder in ("checker", "detachcheck"):
        for path in (root / folder).rglob("*.py"):
            text = path.read_text()
            if path.name in ("files.py", "promela.py"):  # the helper; SPIN's scratch model in a temp dir
                continue
            assert ".write_text(" not in text and ".write_bytes(" not in text, path


# 11. a stopped search has its own report name


def test_max_states_report_does_not_overwrite_the_full_one(tmp_path):
    assert main(["check", "--max-states", "20", "--reports", str(tmp_path)]) == 0
    assert (tmp_path / "pike-partial.md").exists() and (tmp_path / "pike-partial.json").exists()
    assert not (tmp_path / "pike.md").exists()
    assert main(["check", "--release", "all", "--max-states", "20", "--reports", str(tmp_path), *SMALL]) == 0
    assert (tmp_path / "matrix-v1-r1-detach-only-partial.md").exists()
    assert "(pike-v1-r1-detach-only-partial.md)" in (tmp_path / "matrix-v1-r1-detach-only-partial.md").read_text()


# 12. small ones


@pytest.mark.parametrize("args", [["check", *SMALL], ["compare", "pike", "pike-eol", *SMALL]])
def test_no_stray_output_on_stderr(tmp_path, args):
    proc = cli(*args, "--reports", str(tmp_path)) if args[0] == "check" else cli(*args)
    assert proc.returncode == 0
    assert proc.stderr == ""


def test_readme_checks_its_path_first(tmp_path, capsys, monkeypatch):
    from detachcheck import cli
    monkeypatch.setattr(cli, "run_check", lambda *a, **k: pytest.fail("checked before looking for README.md"))
    assert main(["readme", "--path", str(tmp_path / "README.md")]) == 2
    assert "No such file" in one_line(capsys.readouterr().err)
    (tmp_path / "README.md").write_text("# no findings block\n")
    assert main(["readme", "--path", str(tmp_path / "README.md")]) == 2
    assert "no findings block" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize("args", [["check", "--reports", ""], ["fuzz", "--reports", ""], ["diagrams", "--out", ""],
                                  ["readme", "--path", ""], ["check", "--junit-xml", ""], ["replay", ""]])
def test_empty_paths_are_refused(tmp_path, args):
    proc = cli(*args, cwd=tmp_path)
    assert proc.returncode == 2 and "must not be empty" in one_line(proc.stderr)
    assert list(tmp_path.iterdir()) == []


def test_fuzz_leaves_no_hypothesis_directory(tmp_path):
    proc = cli("fuzz", "--examples", "30", "--steps", "5", "--derandomize", "--reports", "r", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / ".hypothesis").exists()
    assert not (tmp_path / "r").exists()  # nothing failed: nothing saved
