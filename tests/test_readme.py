"""The README's findings block is what the checker finds now."""

from __future__ import annotations

import re
from pathlib import Path

from detachcheck.checker.outputs.summary import END, START, findings_block
from detachcheck.checker.run import run_check
from detachcheck.fsm.releases import RELEASES

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_findings_are_fresh():
    text = README.read_text()
    block = re.search(re.escape(START) + ".*?" + re.escape(END), text, re.S)
    assert block, "README.md lost its findings block"
    expected = findings_block([run_check(name).report for name in RELEASES])
    assert block.group(0) == expected, "README findings are stale: run `detachcheck readme`"


def test_readme_gives_the_two_commands():
    text = README.read_text()
    assert "make check" in text and "make test" in text
    assert "make test" in (README.parent / ".ci" / "run").read_text()


def test_readme_trace_example_replays():
    from detachcheck.checker.trace import replay
    block = re.search(r"```text\n(.*?)```", README.read_text(), re.S).group(1)
    result = replay(block)
    assert [s["step"] for s in result.steps][-1] == "compute.roll_detaching"
    assert [v["id"] for v in result.violations] == ["persistent_matches_live"]


def test_readme_names_no_file_outside_the_repository():
    text = README.read_text()
    assert "shared/" not in text and "domain.md" not in text
    root = README.parent
    links = re.findall(r"\]\(([^)#]+)\)", text)
    assert links
    for link in links:
        assert (root / link).exists(), f"README links {link}, which the repository does not have"
    for path in re.findall(r"`((?:[\w.-]+/)+[\w.-]*)`", text):
        if "*" in path or path.startswith(("reports/fuzz", "reports/traces")) or not (
                path.endswith("/") or re.search(r"\.(py|md|json|toml|txt|j2|trace|html)$", path)):
            continue
        assert (root / path).exists(), f"README names {path}, which the repository does not have"


def test_readme_describes_the_seed_incident_itself():
    text = " ".join(README.read_text().split())
    for needle in ("2017", "kolla", "Ocata", "Pike", "NetApp iSCSI",
                   "DeviceDetachFailed: Device detach failed for vdb: Unable to detach from guest transient domain.",
                   "`in-use` -> `detaching` -> `in-use`", "live guest"):
        assert needle in text, needle
