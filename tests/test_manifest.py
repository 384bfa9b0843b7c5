"""Pinned model sizes per release and scenario (TLA+ Examples' manifest habit).

A change to the model changes these numbers; update `tests/state_counts.json` on purpose,
with `python bench/pin.py`, and say why in the commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from detachcheck.fsm.releases import RELEASES

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from pin import figures  # noqa: E402  (bench/pin.py computes what it pins)

PINNED = json.loads((Path(__file__).parent / "state_counts.json").read_text())
CASES = [(rel, key, figures) for rel, sizes in sorted(PINNED.items()) for key, figures in sorted(sizes.items())]


def test_manifest_covers_every_release():
    assert set(PINNED) == set(RELEASES)


@pytest.mark.parametrize(("release", "size", "pinned"), CASES, ids=[f"{r}-{k}" for r, k, _ in CASES])
def test_state_counts_are_pinned(release, size, pinned):
    """Full and symmetry-reduced counts (the reduced ones from the frontier engine with symmetry)."""
    shape, _, mode = size.partition("-")
    volumes, requests = (int(x) for x in shape[1:].split("r"))
    assert figures(release, volumes, requests, mode != "detach-only") == pinned
