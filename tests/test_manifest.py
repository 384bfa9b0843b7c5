"""Pinned model sizes per release and scenario (TLA+ Examples' manifest habit).

A change to the model changes these numbers; update `tests/state_counts.json` on purpose,
with `python bench/pin.py`, and say why in the commit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detachcheck.checker.engine.compile import compile_system
from detachcheck.checker.engine.explore import explore
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import compose

PINNED = json.loads((Path(__file__).parent / "state_counts.json").read_text())
CASES = [(rel, key, figures) for rel, sizes in sorted(PINNED.items()) for key, figures in sorted(sizes.items())]


def test_manifest_covers_every_release():
    assert set(PINNED) == set(RELEASES)


@pytest.mark.parametrize(("release", "size", "figures"), CASES, ids=[f"{r}-{k}" for r, k, _ in CASES])
def test_state_counts_are_pinned(release, size, figures):
    shape, _, mode = size.partition("-")
    volumes, requests = (int(x) for x in shape[1:].split("r"))
    run = explore(compile_system(compose(RELEASES[release], volumes, requests, processes=mode != "detach-only")), [])
    assert {"states": len(run.states), "transitions": run.transitions, "depth": max(run.depth)} == figures
