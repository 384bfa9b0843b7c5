"""Every subcommand driven with random arguments and random files: only exit 0, 1 or 2, exactly one
line on stderr for 2, never a traceback (in-process through `main`, and a few real processes)."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detachcheck.cli import main
from detachcheck.fsm.protocol import STEPS
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.variants import VARIANTS
from detachcheck.properties import all_properties

JUNK = st.text(max_size=10)
NUMBER = st.one_of(st.integers(-2, 4).map(str), st.sampled_from(["\u00b2", "\u0663", "", "x", "1e3", "0x2", " 1"]))
RELEASE = st.one_of(st.sampled_from([*RELEASES, *VARIANTS, "all"]), JUNK)
PROPERTY = st.one_of(st.sampled_from([p.id for p in all_properties()]), JUNK)
FORMAT = st.one_of(st.sampled_from(["text", "markdown", "json"]), JUNK)
# Paths are drawn as tokens and made real under each example's directory: @-names are files or folders there.
PATH = st.sampled_from(["@out", "@dir", "@file", "@file/sub", "@missing/deep/x", "", "@trace", "/dev/null",
                        "@dir/../out2", "@nul\0byte"])


def option(name: str, value: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return value.map(lambda v: [name, v])


def flag(name: str) -> st.SearchStrategy[list[str]]:
    return st.just([name])


SCENARIO = [option("--volumes", NUMBER), option("--requests", NUMBER), flag("--operator"), flag("--detach-only"),
            option("--format", FORMAT)]


NOTHING: st.SearchStrategy[list[str]] = st.just([])


def command(name: str, options: list[st.SearchStrategy[list[str]]], head: st.SearchStrategy[list[str]] = NOTHING,
            tail: st.SearchStrategy[list[str]] = NOTHING) -> st.SearchStrategy[list[str]]:
    """`name`, its positional arguments, up to four options in any order, then the options that keep
    the run small (given last, so they win)."""
    return st.tuples(head, st.lists(st.one_of(options), max_size=4), tail).map(
        lambda t: [name, *t[0], *itertools.chain.from_iterable(t[1]), *t[2]])


SMALL_SEARCH = st.integers(1, 120).map(lambda n: ["--max-states", str(n)])
ARGV = st.one_of(
    command("check", [option("--release", RELEASE), option("--property", PROPERTY), *SCENARIO, flag("--strict"),
                      option("--reports", PATH), option("--junit-xml", PATH)], tail=SMALL_SEARCH),
    command("compare", SCENARIO, head=st.lists(RELEASE, min_size=0, max_size=3), tail=SMALL_SEARCH),
    command("replay", [option("--release", RELEASE), option("--volumes", NUMBER), option("--requests", NUMBER),
                       option("--format", FORMAT)], head=st.lists(PATH, min_size=0, max_size=2)),
    command("fuzz", [option("--release", RELEASE), option("--steps", NUMBER), option("--volumes", NUMBER),
                     option("--requests", NUMBER), flag("--derandomize"), option("--reports", PATH)],
            tail=st.integers(1, 2).map(lambda n: ["--examples", str(n), "--derandomize"])),
    command("readme", [option("--path", PATH)]),
    command("diagrams", [option("--out", PATH)], tail=st.sampled_from([["--no-svg"], ["--no-svg"], []])),
    command("properties", [option("--format", FORMAT)]),
    command("releases", [option("--format", FORMAT)]),
    st.sampled_from([["--version"], ["--help"], ["check", "--help"], ["compare", "--help"], []]),
    st.lists(JUNK, max_size=3),
)

STEP_LINES = [f"{s.name}:{o.name}" for s in STEPS for o in s.outcomes]
TRACE_LINE = st.one_of(
    st.sampled_from([*STEP_LINES, "api.get_volume vol=1", "api.get_volume vol=root", "release: pike",
                     "release: pike", "volumes: 2", "requests: 1", "start: style[1]=attachment_id", "# note", ""]),
    st.tuples(st.sampled_from(STEP_LINES), st.sampled_from(["req", "vol", "x"]), NUMBER).map(
        lambda t: f"{t[0]} {t[1]}={t[2]}"),
    JUNK,
)
TRACE = st.one_of(
    st.lists(TRACE_LINE, max_size=12).map(lambda lines: "\n".join(lines).encode()),
    st.binary(max_size=64),
    st.lists(TRACE_LINE, max_size=6).map(lambda lines: ("\ufeff" + "\n".join(lines)).encode()),
)


def materialise(argv: list[str], base: Path, trace: bytes) -> list[str]:
    """Make the example's files: a trace, a regular file, a folder; @-tokens become their paths."""
    base.mkdir(parents=True, exist_ok=True)
    (base / "trace").write_bytes(trace)
    (base / "file").write_text("x")
    (base / "dir").mkdir(exist_ok=True)
    return [str(base / a[1:]) if a.startswith("@") else a for a in argv]


def check_outcome(code: int, err: str, argv: list[str]) -> None:
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err, (argv, err)
    if code == 2:
        assert len(err.strip().splitlines()) == 1, (argv, err)


COUNTER = itertools.count()


@settings(max_examples=max(20, settings().max_examples // 2), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large, HealthCheck.nested_given])
@given(argv=ARGV, trace=TRACE)
def test_every_subcommand_in_process(argv, trace, tmp_path, capsys):
    base = tmp_path / f"example-{next(COUNTER)}"
    args = materialise(argv, base, trace)
    capsys.readouterr()
    cwd = os.getcwd()
    os.chdir(base)  # defaults such as reports/ and README.md land in the example's folder
    try:
        code = main(args)
    finally:
        os.chdir(cwd)
    check_outcome(code, capsys.readouterr().err, args)


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(argv=ARGV.filter(lambda a: a[:1] in (["replay"], ["check"], ["properties"], ["releases"], ["--version"])),
       trace=TRACE)
def test_a_few_real_processes(argv, trace, tmp_path_factory):
    base = tmp_path_factory.mktemp("proc")
    args = [a for a in materialise(argv, base, trace) if "\0" not in a]  # a real argv has no NUL
    proc = subprocess.run([sys.executable, "-m", "detachcheck", *args], capture_output=True, text=True, cwd=base,
                          timeout=120)
    check_outcome(proc.returncode, proc.stderr, args)


@pytest.mark.parametrize("args", [
    ["replay", "@trace", "--format", "json"],
    ["check", "--release", "all", "--max-states", "7", "--reports", "@out", "--junit-xml", "@out/j.xml"],
    ["fuzz", "--examples", "1", "--steps", "1", "--reports", "@file"],
    ["diagrams", "--out", "@file/sub"],
])
def test_chosen_real_processes(args, tmp_path):
    args = materialise(args, tmp_path, b"\xef\xbb\xbfrelease: pike\nrequests: \xc2\xb2\n")
    proc = subprocess.run([sys.executable, "-m", "detachcheck", *args], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    check_outcome(proc.returncode, proc.stderr, args)
