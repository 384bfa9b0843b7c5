"""`check --junit-xml`: one test case per release and property, parsed back with junitparser."""

from __future__ import annotations

from junitparser import Failure, JUnitXml, Skipped

from detachcheck.checker.outputs.junit import junit_xml
from detachcheck.checker.run import run_check
from detachcheck.cli import main
from detachcheck.fsm.releases import RELEASES
from detachcheck.properties import all_properties

SMALL = ["--requests", "1", "--detach-only"]


def cases(path):
    xml = JUnitXml.fromfile(str(path))
    return {case.name: case for suite in xml for case in suite}


def test_every_release_and_property_is_a_case(tmp_path):
    junit = tmp_path / "out" / "detachcheck.xml"
    args = ["check", "--release", "all", *SMALL, "--reports", str(tmp_path / "r"), "--junit-xml", str(junit)]
    assert main(args) == 0
    found = cases(junit)
    assert set(found) == {f"{p.id}[{r}]" for r in RELEASES for p in all_properties()}
    violated = found["available_implies_no_host_connection[pike]"]
    [failure] = violated.result
    assert isinstance(failure, Failure) and failure.type == "violated"
    assert "violated in 10 steps" in failure.message
    text = failure.text
    assert "compute.wait_and_retry_detach:not_found" in text and "(nova-compute)" in text
    assert "volume[1]: " in text and " -> " in text and "breaks it:" in text
    assert found["available_implies_no_host_connection[pike-eol]"].is_passed
    [missing] = found["instance_shelved_offloaded[pike]"].result  # detach-only: never shelved
    assert isinstance(missing, Failure) and missing.type == "not witnessed"
    fresh = [run_check(name, requests=1, processes=False).report for name in RELEASES]
    assert junit.read_text() == junit_xml(fresh)  # no timings: another run gives the same bytes


def test_unknown_is_skipped_with_why(tmp_path):
    junit = tmp_path / "j.xml"
    assert main(["check", "--max-states", "5", "--reports", str(tmp_path), "--junit-xml", str(junit)]) == 0
    found = cases(junit)
    [skip] = found["root_volume_never_detached[pike]"].result
    assert isinstance(skip, Skipped) and "--max-states 5" in skip.message
