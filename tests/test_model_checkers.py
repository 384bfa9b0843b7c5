"""TLC and SPIN on the exports find the states and the violated invariants our explorer finds.

Skipped with the reason where java and tla2tools.jar, or spin and gcc, are missing
(`make test` installs them). Small models only: TLC's JVM start is ~1-2 s a run.
"""

from __future__ import annotations

import pytest

from detachcheck.checker.engine.searches.explore import explore
from detachcheck.checker.exports.tools import (
    JVM_FAST_START,
    cfg_invariants,
    missing_spin,
    missing_tlc,
    run_spin,
    run_tlc,
)
from detachcheck.checker.exports.write import Export, build_export, write_export
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.variants import VARIANTS

BROKEN = "pike-broken-root-check"
CASES = [  # (release or variant, volumes, requests, instance operations)
    (BROKEN, 1, 1, False),
    ("pike", 1, 2, False),
    ("pike", 1, 1, True),
    ("queens", 1, 1, True),
]
SPIN_ONLY = [("pike", 1, 2, True), ("master", 2, 1, True)]  # bigger: SPIN needs no JVM per run


def ours(export: Export) -> tuple[int, frozenset[str]]:
    """Our explorer's distinct states and violated exported invariants."""
    exported = {inv.prop.id for inv in export.props.invariants}
    run = explore(export.model, [inv.prop for inv in export.props.invariants])
    assert run.complete
    return len(run.states), frozenset(pid for pid in run.found if pid in exported)


def export_of(name: str, volumes: int, requests: int, processes: bool) -> Export:
    release = VARIANTS[name].release() if name in VARIANTS else RELEASES[name]
    return build_export(release, volumes, requests, processes=processes)


@pytest.mark.skipif(missing_tlc() is not None, reason=missing_tlc() or "")
@pytest.mark.parametrize("case", CASES, ids=["-".join(map(str, c)) for c in CASES])
def test_tlc_finds_our_states_and_violations(case, tmp_path):
    export = export_of(*case)
    states, violated = ours(export)
    tla = write_export(export, "tla", tmp_path)[0]
    result = run_tlc(tla, jvm=JVM_FAST_START, timeout=120)
    assert (result.states, result.violated) == (states, violated)
    if case[0] == BROKEN:
        assert "root_volume_never_detached" in result.violated


@pytest.mark.skipif(missing_tlc() is not None, reason=missing_tlc() or "")
def test_tlc_invariant_checking_catches_the_broken_root_check(tmp_path):
    """TLC's own INVARIANT check (not the monitor): it stops on the boot volume's detach."""
    export = export_of(BROKEN, 1, 1, False)
    tla, cfg = write_export(export, "tla", tmp_path)
    text = cfg.read_text()
    assert cfg_invariants(text) == [inv.prop.id for inv in export.props.invariants]
    cfg.write_text(text.split("INVARIANTS")[0] + "INVARIANTS\n    root_volume_never_detached\n")
    result = run_tlc(tla, jvm=JVM_FAST_START, timeout=120, monitor=False)
    assert result.violated == {"root_volume_never_detached"}
    assert (result.runs, result.states) == (2, ours(export)[0])


@pytest.mark.skipif(missing_spin() is not None, reason=missing_spin() or "")
@pytest.mark.parametrize("case", CASES + SPIN_ONLY, ids=["-".join(map(str, c)) for c in CASES + SPIN_ONLY])
def test_spin_finds_our_states_and_violations(case, tmp_path):
    export = export_of(*case)
    states, violated = ours(export)
    pml = write_export(export, "promela", tmp_path)[0]
    result = run_spin(pml, optimise="-O0", timeout=120)
    assert (result.states, result.violated) == (states + 1, violated)  # + SPIN's state before the initial one
    if case[0] == BROKEN:
        assert "root_volume_never_detached" in result.violated
    else:
        assert "root_volume_never_detached" not in result.violated
