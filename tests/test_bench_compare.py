"""bench/compare.py: the report's shape, and a tiny end-to-end run of our own figures."""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

from detachcheck.checker.engine.compiled.compile import compile_system
from detachcheck.checker.engine.searches.explore import explore
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import compose

BENCH = Path(__file__).resolve().parent.parent / "bench" / "compare.py"
spec = importlib.util.spec_from_file_location("bench_compare", BENCH)
compare = importlib.util.module_from_spec(spec)
sys.modules["bench_compare"] = compare  # dataclasses look their module up
spec.loader.exec_module(compare)


def rows():
    fig = {"states": 1000, "seconds": 0.5, "peak_bytes": 2_000_000, "violated": ["p"], "base_bytes": 1_968_000}
    spin = {**fig, "seconds": 0.25, "build_seconds": 3}
    check = {**fig, "seconds": 1.0, "base_bytes": 1_904_000}
    tlc = {**fig, "seconds": 5.0}
    search_sym = {**fig, "seconds": 0.25, "base_bytes": 1_984_000}
    check_sym = {**fig, "seconds": 0.5, "base_bytes": 1_952_000}
    row = compare.Row("pike", "v1r1", 1000, ["p"], {"search": fig, "search-sym": search_sym, "check": check,
                                                     "check-sym": check_sym, "tlc1": tlc, "spin": spin})
    return [row, compare.Row("pike", "v2r3", skipped="over --max-states 10")]


def test_markdown_has_rates_ratios_and_bytes_per_state():
    args = argparse.Namespace(releases="pike", sizes="v1r1,v2r3", max_states=10, detach_only=False, large_sizes="")
    text = compare.markdown(rows(), args, "today on this machine")
    table = [line for line in text.splitlines() if line.startswith("| pike | v1r1 |")][0].split(" | ")
    assert table[2:4] == ["1,000", "2,000"]  # states, ours: search states/s
    assert "4,000" in table and "2,000" in table  # SPIN st/s, B/state
    assert "0.25" in table and "10.00" in table  # whole check over SPIN, search over TLC
    assert "0.50" in table and "6.50" in table  # the symmetric check over SPIN, and over SPIN with its build
    # above the interpreter: search B/state, check over search, and both with symmetry
    assert table[-3:] == ["32", "3.00", "3.00 |"]
    assert "| pike | v2r3 | over --max-states 10 |" in text
    assert text == compare.markdown(rows(), args, "today on this machine")


def test_plot_writes_a_png(tmp_path):
    compare.plot(rows(), tmp_path / "bench.png")
    assert (tmp_path / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_run_of_ours_writes_the_report(tmp_path):
    proc = subprocess.run([sys.executable, str(BENCH), "--releases", "pike", "--sizes", "v1r1", "--tools",
                           "search,check", "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "bench.md").read_text()
    states = len(explore(compile_system(compose(RELEASES["pike"], 1, 1)), []).states)
    assert f"| pike | v1r1 | {states:,} |" in text
    row = next(line for line in text.splitlines() if line.startswith("| pike | v1r1 |")).split(" | ")
    assert row[-3].replace(",", "").isdigit() and float(row[-2]) > 0  # above the interpreter
    assert (tmp_path / "bench.png").exists() and (tmp_path / "bench.json").exists()


def test_large_sizes_get_their_own_table_against_the_minute():
    fig = {"states": 9_000_000, "stored": 1_500_000, "complete": True, "seconds": 45.0, "peak_bytes": 2**30,
           "violated": ["p"]}
    slow = {**fig, "seconds": 75.0}
    large = [compare.Row("pike", "v2r3", 9_000_000, ["p"], {"command": fig}, large=True),
             compare.Row("pike", "v3r3", 9_000_000, ["p"], {"command": slow}, large=True)]
    args = argparse.Namespace(releases="pike", sizes="v1r1", max_states=10, detach_only=False, large_sizes="v2r3,v3r3")
    text = compare.markdown(rows() + large, args, "today")
    assert "| pike | v2r3 | 9,000,000 | 1,500,000 | 45.0 | 200,000 | 1,024 | 716 | yes |" in text
    assert "| pike | v3r3 | 9,000,000 | 1,500,000 | 75.0 | 120,000 | 1,024 | 716 | no |" in text
    assert "| pike | v2r3 | over --max-states 10 |" in text  # the compared rows are unchanged
    assert not [line for line in text.split("Larger sizes")[0].splitlines() if line.startswith("| pike | v3r3")]


def test_a_large_size_is_run_as_a_user_runs_it():
    row = compare.bench_large("pike", "v1r2", True, 300)
    fig = row.figures["command"]
    assert row.large and fig["complete"] and fig["seconds"] > 0 and fig["peak_bytes"] > 0
    model = compile_system(compose(RELEASES["pike"], 1, 2))
    assert row.states == len(explore(model, []).states) and fig["stored"] <= row.states
    assert "available_implies_not_in_guest" in row.violated
