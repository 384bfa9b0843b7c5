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
