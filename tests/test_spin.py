"""SPIN explores the Promela export of the compiled tables and finds the same states."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from detachcheck.checker.engine.compile import compile_system
from detachcheck.checker.engine.explore import explore
from detachcheck.checker.exports.promela import spin_states, to_promela
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import compose

pytestmark = pytest.mark.skipif(shutil.which("spin") is None or shutil.which("gcc") is None,
                                reason="spin and gcc are not installed (make test installs Debian's spin)")


@pytest.mark.parametrize(("release", "volumes", "requests"), [("pike", 1, 2), ("queens", 1, 1), ("master", 2, 1)])
def test_spin_finds_the_same_number_of_states(release, volumes, requests):
    model = compile_system(compose(RELEASES[release], volumes, requests))
    ours = len(explore(model, []).states)
    with tempfile.TemporaryDirectory() as tmp:
        stored, _, _ = spin_states(to_promela(model), Path(tmp))
    assert stored == ours + 1  # SPIN also stores the state before the initial assignment
