"""The committed reports are what `make check` produces now (like the diagrams)."""

from __future__ import annotations

from pathlib import Path

import pytest

from detachcheck.checker.outputs.render import to_json, to_markdown
from detachcheck.checker.trace import to_trace
from detachcheck.fsm.releases import RELEASES

REPORTS = Path(__file__).resolve().parent.parent / "reports"


@pytest.mark.parametrize("release", list(RELEASES))
def test_committed_report_is_fresh(every_release, release):
    report = every_release[release].report
    assert (REPORTS / f"{release}.json").read_text() == to_json(report), "stale: run `make check`"
    assert (REPORTS / f"{release}.md").read_text() == to_markdown(report), "stale: run `make check`"
    for entry in [*report["properties"], *report["incidents"]]:
        if entry["path"] is not None and entry["verdict"] in ("violated", "not witnessed", "reached"):
            path = REPORTS / "traces" / release / f"{entry['id']}.trace"
            assert path.read_text() == to_trace(report, entry), f"stale: {path}"
