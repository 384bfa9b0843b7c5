"""JUnit XML: one test case per release and property, for CI dashboards (written with junitparser).

violated and not witnessed are failures (the message says why, the text holds the
counterexample), unknown is skipped (the search was stopped), holds and witnessed pass.
No timings: two runs give byte-identical files.
"""

from __future__ import annotations

import io
from typing import Any

from junitparser import Failure, JUnitXml, Skipped, TestCase, TestSuite

from detachcheck.checker.outputs.explain import counterexample_text
from detachcheck.checker.outputs.report import NOT_WITNESSED, UNKNOWN, VIOLATED


def _case(report: dict[str, Any], entry: dict[str, Any]) -> TestCase:
    release = report["release"]["name"]
    case = TestCase(f"{entry['id']}[{release}]", classname=f"detachcheck.{release}")
    verdict = entry["verdict"]
    if verdict == VIOLATED:
        failure = Failure(f"{entry['id']} ({entry['kind']}) violated in {entry['length']} steps: {entry['meaning']}",
                          "violated")
        failure.text = counterexample_text(entry)
        case.result = [failure]
    elif verdict == NOT_WITNESSED:
        case.result = [Failure(f"{entry['id']} (sometimes) not witnessed: no reachable state shows "
                               f"{entry['meaning']}", "not witnessed")]
    elif verdict == UNKNOWN:
        max_states = report["search"]["max_states"]
        why = (f"unknown: the search stopped at --max-states {max_states} before settling it"
               if max_states and not report["search"]["complete"]
               else "unknown: a search was stopped before settling it")
        case.result = [Skipped(why)]
    return case


def junit_xml(reports: list[dict[str, Any]]) -> str:
    """Every report's properties as JUnit XML: one test suite per release."""
    xml = JUnitXml("detachcheck")
    for report in reports:
        suite = TestSuite(f"detachcheck.{report['release']['name']}")
        for entry in report["properties"]:
            suite.add_testcase(_case(report, entry))
        suite.update_statistics()
        xml.add_testsuite(suite)
    xml.update_statistics()
    buffer = io.BytesIO()
    xml.write(buffer, pretty=True)
    return buffer.getvalue().decode()
