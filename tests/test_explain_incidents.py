"""The catalogue of real bugs (properties/incidents.py CATALOGUE): which Nova versions have each, checked
against the behaviour switches that tools/build_frames.py read from every Nova tag's history; each is
reachable in a modelled release that has it; `INCIDENTS` (what every check queries) keeps its interface."""

from __future__ import annotations

import pytest

from detachcheck.checker.engine.compiled.compile import compile_system
from detachcheck.checker.engine.searches.explore import explore
from detachcheck.explain.release import frames_table
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import compose
from detachcheck.fsm.variants import VARIANTS
from detachcheck.properties.incidents import CATALOGUE, INCIDENTS
from detachcheck.properties.registry import SOMETIMES

# Tags of the modelled series with, per bug, whether the tag's code has it (from the bugs' own reports:
# the fix's first tags and the regression's first tags, docs/release-switches.md).
HAS = {
    "lp1727260_disk_not_found_leak": (("15.0.4", True), ("15.1.5", True), ("16.0.0", True), ("16.1.1", True),
                                      ("16.1.2", False), ("17.0.0", True), ("17.0.1", False), ("23.0.0", False)),
    "lp1786318_no_rollback_on_device_detach_failed": (("16.1.0", False), ("16.1.1", True), ("16.1.4", True),
                                                      ("16.1.5", False), ("17.0.1", False), ("17.0.2", True),
                                                      ("17.0.5", True), ("17.0.6", False), ("15.1.5", False)),
    "lp1547142_shelve_offload_leaves_luns_mapped": (("15.0.8", True), ("15.1.0", False), ("16.0.0", True),
                                                    ("16.0.1", False), ("17.0.0", False)),
    "lp1978444_bdm_left_after_attachment_delete_timeout": (("16.1.8", False), ("17.0.0", True), ("17.0.13", True),
                                                          ("23.2.2", True), ("wallaby-eom", False),
                                                          ("master", False)),
}


@pytest.mark.parametrize(("incident", "tag", "has"), [(i, t, h) for i, pairs in HAS.items() for t, h in pairs])
def test_affected_versions_follow_the_tags_switches(incident, tag, has):
    switches = frames_table()["tags"][tag]["switches"]
    assert CATALOGUE[incident].in_release(switches) is has


def test_every_bug_has_its_facts():
    for inc in CATALOGUE.values():
        assert inc.title and inc.source and inc.affects and inc.markers
        assert inc.as_property().kind == SOMETIMES
        if inc.id != "seed_device_detach_failed":
            assert inc.fixed_in and inc.switches and "LP#" in inc.source


def test_incidents_interface_kept():
    """checker/run.py queries every INCIDENTS value in every check: the same one as before."""
    assert list(INCIDENTS) == ["seed_device_detach_failed"]
    assert INCIDENTS["seed_device_detach_failed"] is CATALOGUE["seed_device_detach_failed"]


@pytest.mark.parametrize("incident", list(CATALOGUE))
def test_reachable_in_a_release_that_has_it(incident):
    inc = CATALOGUE[incident]
    candidates = [*RELEASES.values(), *(v.release() for v in VARIANTS.values())]
    release = next(r for r in candidates if inc.in_release(r.switches))
    model = compile_system(compose(release, 1, 1, operator=False, processes=True))
    found = explore(model, [inc.as_property()]).found
    assert inc.id in found, release.name
