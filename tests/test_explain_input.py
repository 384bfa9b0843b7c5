"""`detachcheck explain`'s reading: file forms, record grouping, the cheap filter, and bad input (exit 2, one
line, never a traceback), including random bytes and random mixtures of real log lines (Hypothesis)."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import random
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detachcheck.cli import main
from detachcheck.explain.filter import ScanStats, scan
from detachcheck.explain.records import parse
from detachcheck.explain.release import frame_tags
from detachcheck.explain.sources import find_sources

LOGS = Path(__file__).resolve().parent / "fixtures" / "logs"
SEED = LOGS / "seed-ocata" / "nova-compute.log"
VOLUME = "e0bd76b1-5bb8-45dc-9691-39933b122db7"
FIXTURE_LINES = [line for path in sorted(LOGS.glob("*/*.log")) for line in path.read_text().splitlines()]


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["explain", *args])
    return code, out.getvalue(), err.getvalue()


def one_line_error(args: list[str], needle: str) -> None:
    code, out, err = run(*args)
    assert code == 2, (out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], err
    assert "Traceback" not in err


def test_empty_log(tmp_path):
    (tmp_path / "nova-compute.log").write_bytes(b"")
    one_line_error([str(tmp_path / "nova-compute.log")], "the logs are empty")


def test_binary_file(tmp_path):
    (tmp_path / "nova-compute.log").write_bytes(bytes(range(256)) * 8)
    one_line_error([str(tmp_path / "nova-compute.log")], "not a text file")


def test_broken_gzip(tmp_path):
    (tmp_path / "nova-compute.log.2.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    one_line_error([str(tmp_path / "nova-compute.log.2.gz")], "cannot read it")


def test_nothing_about_any_volume(tmp_path):
    log = tmp_path / "nova-compute.log"
    log.write_text("2017-06-20 14:27:43.931 7 INFO nova.compute.manager [req-812a98ce-d0ff-469d-aa28-bcc37c1ca94e "
                   "- - - - -] Running periodic task ComputeManager._poll_volume_usage\n")
    one_line_error([str(log)], "no volume detach in the logs")


def test_unknown_volume():
    one_line_error([str(SEED), "--volume", "11111111-2222-4333-8444-555555555555"], "appears nowhere in the logs")


def test_unknown_instance():
    one_line_error([str(SEED), "--instance", "11111111-2222-4333-8444-555555555555"], "appears nowhere in the logs")


def test_not_a_uuid():
    one_line_error([str(SEED), "--volume", "vol-1"], "is not a UUID")


def test_missing_file(tmp_path):
    one_line_error([str(tmp_path / "nope.log")], "no such file or directory")


def test_directory_without_logs(tmp_path):
    (tmp_path / "notes.txt").write_text("hello\n")
    one_line_error([str(tmp_path)], "no Nova or Cinder log file")


def test_volume_named_but_never_detached(tmp_path):
    log = tmp_path / "nova-compute.log"
    log.write_text(f"2017-06-20 14:27:43.931 7 INFO nova.compute.manager [req-812a98ce-d0ff-469d-aa28-bcc37c1ca94e "
                   f"- - - - -] Attaching volume {VOLUME} to /dev/vdb\n")
    one_line_error([str(log), "--volume", VOLUME, "--release", "pike"], "show no step of a detach")


def test_rotated_and_gzipped_in_a_directory(tmp_path):
    """A directory: the rotated .gz log is found and read; the seed explained from it alone."""
    folder = tmp_path / "var" / "log" / "kolla" / "nova"
    folder.mkdir(parents=True)
    with gzip.open(folder / "nova-compute.log.1.gz", "wb") as stream:
        stream.write(SEED.read_bytes())
    (folder / "nova-compute.log").write_text("")
    (folder / "README").write_text("not a log\n")
    assert [s.path.name for s in find_sources([tmp_path])] == ["nova-compute.log", "nova-compute.log.1.gz"]
    code, out, err = run(str(tmp_path), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["release"] == "ocata"
    assert {o["file"].rsplit("/", 1)[-1] for o in data["observed"]} == {"nova-compute.log.1.gz"}


def test_os_log_merger_output(tmp_path):
    """os-log-merger prefixes `[ALIAS]` and indents continuation lines by 40 blanks; same explanation."""
    merged = []
    for line in SEED.read_text().splitlines():
        if line[:4].isdigit():
            stamp, rest = line[:23], line[24:]
            merged.append(f"{stamp} [N-CPU] {rest}")
        else:
            merged.append(" " * 40 + line)
    log = tmp_path / "merged.log"
    log.write_text("\n".join(merged) + "\n")
    code, out, _ = run(str(log), "--format", "json")
    data = json.loads(out)
    assert data["release"] == "ocata" and data["fits"]
    assert [(o["step"], o["outcome"]) for o in data["observed"]] == [
        ("compute.detach_live", "ok"), ("compute.wait_and_retry_detach", "timeout")]
    assert data["end_states"]["states"][0]["guest disk"] == "live, unplug pending"


def test_filter_keeps_whole_records():
    """A needle in a continuation line (the XML's <serial>) keeps the whole record; traceback lines stay with
    the record they belong to."""
    (source,) = find_sources([SEED])
    stats = ScanStats()
    kept = list(scan(source, [VOLUME.encode()], stats))
    assert [line for line, _ in kept] == [1, 27]
    assert kept[0][1].count(b"\n") == 26 and kept[1][1].count(b"\n") == 7
    assert stats.lines == 33 and stats.debug
    record = parse(kept[0][1].decode(), source.name, 1)
    assert record is not None and record.exception == "DeviceDetachFailed" and len(record.frames) == 11
    assert record.instance == "4bfefe2b-3611-4c65-a293-657cf6eaf271"  # despite the pasted `]]`


def test_filter_across_blocks(tmp_path, monkeypatch):
    """Records are never cut where a block ends, whatever the block size."""
    import detachcheck.explain.filter as filt
    (source,) = find_sources([SEED])
    expected = list(scan(source, [VOLUME.encode()]))
    for size in (64, 300, 1000, 2500):
        monkeypatch.setattr(filt, "BLOCK", size)
        assert list(scan(source, [VOLUME.encode()])) == expected, size


def test_frame_table_matches_the_seed_tags():
    record = parse(SEED.read_text().split("2017-06-20 14:27:38.925")[0], "seed", 1)
    assert record is not None
    frame = next(f for f in record.frames if f.function == "_do_wait_and_retry_detach")
    tags = frame_tags(frame)
    assert tags is not None and {"15.0.1", "15.0.4"} <= tags and "16.0.0" not in tags


@settings(max_examples=25)
@given(data=st.one_of(st.binary(max_size=400),
                      st.lists(st.sampled_from(FIXTURE_LINES), max_size=40).map(lambda ls: "\n".join(ls).encode()),
                      st.tuples(st.lists(st.sampled_from(FIXTURE_LINES), max_size=20), st.binary(max_size=60))
                      .map(lambda t: ("\n".join(t[0])).encode() + t[1])),
       release=st.sampled_from([[], ["--release", "ocata"], ["--release", "queens"]]),
       volume=st.sampled_from([[], ["--volume", VOLUME]]))
def test_random_input_never_a_traceback(data, release, volume):
    folder = Path(tempfile.mkdtemp(prefix="explain-fuzz-"))
    try:
        log = folder / "nova-compute.log"
        log.write_bytes(data)
        code, out, err = run(str(log), *release, *volume, "--format", random.Random(len(data)).choice(
            ["text", "json", "markdown"]))
        assert code in (0, 1, 2), (code, err)
        assert "Traceback" not in err and "internal error" not in err, err
        if code == 2:
            assert len(err.strip().splitlines()) == 1 and out == ""
        else:
            assert err == "" and out
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("fixture", sorted(p.name for p in LOGS.iterdir() if p.is_dir()))
def test_every_fixture_file_alone(fixture):
    """Each fixture file on its own (a user who has only one service's log): exit 0, 1 or 2, one line on
    error, never a traceback."""
    for path in sorted((LOGS / fixture).iterdir()):
        code, out, err = run(str(path))
        assert code in (0, 1, 2) and "Traceback" not in err
        if code == 2:
            assert len(err.strip().splitlines()) == 1
