"""SPIN explores the Promela export of the compiled tables and finds the same states."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from checker.compile import compile_system
from checker.explore import explore
from checker.promela import spin_states, to_promela
from fsm.releases import RELEASES
from fsm.system import compose

pytestmark = pytest.mark.skipif(shutil.which("spin") is None or shutil.which("gcc") is None,
                                reason="spin and gcc are not installed (make test installs Debian's spin)")


@pytest.mark.parametrize(("release", "volumes", "requests"), [("pike", 1, 2), ("queens", 1, 1), ("master", 2, 1)])
def test_spin_finds_the_same_number_of_states(release, volumes, requests):
    model = compile_system(compose(RELEASES[release], volumes, requests))
    ours = len(explore(model, []).states)
    with tempfile.TemporaryDirectory() as tmp:
        stored, _, _ = spin_states(to_promela(model), Path(tmp))
    assert stored == ours + 1  # SPIN also stores the state before the initial assignment
