"""Diagrams, tested through their DOT source (never pixels)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from detachcheck.checker.outputs.diagrams import dot_source, lifecycles, write_diagrams

COMMITTED = Path(__file__).resolve().parent.parent / "diagrams"


@pytest.mark.parametrize("lifecycle", lifecycles(), ids=lambda lc: lc.name)
def test_committed_dot_is_fresh(lifecycle):
    path = COMMITTED / f"{lifecycle.name}.dot"
    assert path.exists(), f"{path} missing: run `make check`"
    assert path.read_text() == dot_source(lifecycle), f"{path} is stale: run `make check`"


@pytest.mark.parametrize("lifecycle", lifecycles(), ids=lambda lc: lc.name)
def test_dot_shows_every_state_and_trigger(lifecycle):
    source = dot_source(lifecycle)
    for state in lifecycle.states:
        assert f'label="{state}\\l"' in source
    for tr in lifecycle.transitions:
        assert tr.trigger in source


def test_dot_is_deterministic():
    assert [dot_source(lc) for lc in lifecycles()] == [dot_source(lc) for lc in lifecycles()]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed (make test installs it)")
def test_svg_written_and_reproducible(tmp_path):
    write_diagrams(tmp_path / "a")
    write_diagrams(tmp_path / "b")
    for lc in lifecycles():
        svg = (tmp_path / "a" / f"{lc.name}.svg").read_bytes()
        assert svg.startswith(b"<?xml") and b"<svg" in svg
        assert svg == (tmp_path / "b" / f"{lc.name}.svg").read_bytes()
