"""The docs match the code: the release-switch table in docs/faithfulness.md."""

from __future__ import annotations

import re
from pathlib import Path

from detachcheck.fsm.releases import RELEASES, SWITCH_DOCS

DOC = Path(__file__).resolve().parent.parent / "docs" / "faithfulness.md"


def test_switch_table_matches_releases():
    text = DOC.read_text()
    block = re.search(r"<!-- switches:start -->\n(.*?)<!-- switches:end -->", text, re.S).group(1)
    rows = [line.strip("|").split("|") for line in block.strip().splitlines()]
    header = [c.strip() for c in rows[0]]
    assert header[1:] == list(RELEASES)
    table = {r[0].strip().strip("`"): [c.strip() for c in r[1:]] for r in rows[2:]}
    assert set(table) == set(SWITCH_DOCS)
    for switch, cells in table.items():
        assert cells == ["T" if RELEASES[n].switches[switch] else "F" for n in RELEASES], switch


def test_every_step_is_documented():
    text = DOC.read_text()
    from detachcheck.fsm.protocol import STEPS
    for step in STEPS:
        assert f"`{step.name}`" in text, step.name
