"""A terminal a person can read: the terminal's width, legends, meanings, listings and --help."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys

import pytest
from rich.console import Console

from detachcheck.checker.outputs.matrix import build_matrix, matrix_table
from detachcheck.checker.outputs.render import to_markdown
from detachcheck.checker.run import run_check
from detachcheck.cli import build_parser, main
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.variants import VARIANTS
from detachcheck.properties import all_properties

SMALL = ["--requests", "1", "--detach-only"]


def cli(*args: str, columns: int) -> str:
    env = {**os.environ, "COLUMNS": str(columns)}
    proc = subprocess.run([sys.executable, "-m", "detachcheck", *args], capture_output=True, text=True, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


@pytest.mark.parametrize("columns", [80, 200])
def test_check_table_fits_the_terminal_and_never_cuts_an_id(tmp_path, columns):
    out = cli("check", *SMALL, "--reports", str(tmp_path), columns=columns)
    assert max(len(line) for line in out.splitlines()) <= columns
    for p in all_properties():
        assert p.id in out  # whole, never folded or cut
    assert "unplug" in out  # counterexample steps are there too
    head = next(line for line in out.splitlines() if "property" in line and "kind" in line)
    # a column of its own when there is room, under each id otherwise
    assert ("┃ meaning" in head) == (columns >= 120) and ("property: meaning" in head) == (columns < 120)
    assert "the boot volume is never detached" in out


def matrix_text(tmp_path, columns: int) -> str:
    """The matrix as printed: a real process at 80 columns, the same renderer in-process otherwise."""
    if columns == 80:
        return cli("check", "--release", "all", *SMALL, "--reports", str(tmp_path), columns=columns)
    reports = [run_check(name, requests=1, processes=False).report for name in RELEASES]
    console = Console(file=io.StringIO(), width=columns)
    console.print(matrix_table(build_matrix(reports, list(RELEASES)), console.width))
    return console.file.getvalue()


@pytest.mark.parametrize("columns", [80, 200])
def test_matrix_fits_and_has_a_legend(tmp_path, columns):
    out = matrix_text(tmp_path, columns)
    assert max(len(line) for line in out.splitlines()) <= columns
    text = " ".join(out.split())
    for symbol in ("✗ N violated", "✓ holds", "✓ vacuous", "● N witnessed", "? unknown"):
        assert symbol in text
    for p in all_properties():
        assert p.id in out
    if columns < 120:
        assert "releases: 1 ocata 2 ocata-eol 3 pike" in text
    else:
        assert all(name in out for name in RELEASES)


def test_properties_lists_kind_and_meaning(capsys):
    assert main(["properties", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [p["id"] for p in listed] == [p.id for p in all_properties()]
    assert all(p["kind"] and p["meaning"] for p in listed)
    out = cli("properties", columns=100)
    for p in all_properties():
        assert p.id in out and p.kind in out
    assert "the boot volume is never detached" in out


def test_releases_lists_version_switches_and_variants(capsys):
    assert main(["releases", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in listed["releases"]] == list(RELEASES)
    assert listed["releases"][2]["switches"] == dict(sorted(RELEASES["pike"].switches.items()))
    assert [v["name"] for v in listed["variants"]] == list(VARIANTS)
    out = cli("releases", columns=160)
    for r in RELEASES.values():
        assert r.name in out and r.version in out
    assert "disk_not_found_skips_disconnect" in out
    for v in VARIANTS:
        assert v in out


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_help_documents_every_option():
    parser = build_parser()
    for name, sub in {"": parser, **_subparsers(parser)}.items():
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help and action.help != argparse.SUPPRESS, f"{name} {action.option_strings or action.dest}"


def test_compare_help_lists_the_variants_with_what_they_change_and_cite(capsys):
    assert main(["compare", "--help"]) == 0
    out = capsys.readouterr().out
    for v in VARIANTS.values():
        assert v.name in out and v.cite in " ".join(out.split())
        assert all(switch in out for switch in v.changes)


def test_markdown_table_has_a_meaning_column():
    text = to_markdown(run_check("pike", requests=1, processes=False).report)
    assert "| property | kind | meaning | verdict | length |" in text
    assert "| `root_volume_never_detached` | always | the boot volume is never detached |" in text


def test_fuzz_progress_shows_on_a_terminal_after_a_second(tmp_path):
    """stderr on a pseudo-terminal: the transient progress line appears; on a pipe nothing does."""
    import pty
    import select

    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "detachcheck", "fuzz", "--examples", "100", "--steps", "30",
                             "--derandomize", "--reports", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=follower, env={**os.environ, "TERM": "xterm"})
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    assert b"fuzzing pike" in seen and b"/100" in seen
