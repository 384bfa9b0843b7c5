"""`compare`'s state counts: the vectorised count of shared states equals comparing every state by
its slot labels and value names, one at a time."""

from __future__ import annotations

import pytest

from detachcheck.checker.compare import shared_states
from detachcheck.checker.outputs.report import state_dict
from detachcheck.checker.run import run_check
from detachcheck.fsm.variants import VARIANTS


def named_states(result) -> set[tuple[tuple[str, str], ...]]:
    """Every state by slot label and value name, one at a time: what compare counted before."""
    ex = result.exploration
    return {tuple(sorted(state_dict(ex, i).items())) for i in range(len(ex.states))}


def _check(name: str, requests: int = 1):
    variant = VARIANTS[name].release() if name in VARIANTS else None
    base = VARIANTS[name].base if name in VARIANTS else name
    return run_check(base, 1, requests, variant=variant, processes=False, symmetry=False, likelihood=False,
                     recoveries=False)


@pytest.mark.parametrize("a, b", [("pike", "pike+disconnect-on-not-found"), ("pike", "queens"),
                                  ("ocata", "master"), ("pike", "pike")])
def test_shared_states_counts_what_names_share(a, b):
    base, variant = _check(a, 2), _check(b, 2)
    named_b, named_v = named_states(base), named_states(variant)
    assert shared_states(base, variant) == len(named_b & named_v)
    assert len(named_b) == len(base.exploration.states) and len(named_v) == len(variant.exploration.states)
