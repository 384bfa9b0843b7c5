"""The pytest plugin: `pytest --detachcheck` items and the `detachcheck` fixture (run with pytester)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

README = Path(__file__).resolve().parent.parent / "README.md"
SMALL = ("--detachcheck-requests", "1", "--detachcheck-detach-only")


def test_idle_without_the_option_or_the_fixture(pytester):
    """The plugin is loaded (entry point) but imports nothing of the model and adds no item."""
    pytester.makepyfile("""
        import sys

        def test_nothing_imported():
            assert "detachcheck.pytest_plugin" in sys.modules
            assert not [m for m in sys.modules if m.startswith(("detachcheck.fsm", "detachcheck.checker"))]
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_one_item_per_release_and_property_failing_with_the_counterexample(pytester):
    result = pytester.runpytest_inprocess(
        "--detachcheck", "--detachcheck-release", "pike", "pike-eol",
        "--detachcheck-property", "available_implies_no_host_connection", "root_volume_never_detached", *SMALL)
    result.assert_outcomes(passed=3, failed=1)
    text = result.stdout.str()
    assert "FAILED detachcheck::available_implies_no_host_connection[pike]" in text
    assert "available_implies_no_host_connection (always) is violated in pike in 10 steps" in text
    assert "compute.wait_and_retry_detach:not_found req=1 vol=1  (nova-compute)" in text
    assert "volume[1]: detaching/attached -> available/detached" in text
    assert "breaks it: volume[1]=available/detached, connection[1]=connected" in text


def test_all_releases_and_keyword_selection(pytester):
    result = pytester.runpytest_inprocess("--detachcheck", "--detachcheck-release", "all", *SMALL,
                                          "-k", "root_volume_never_detached", "--collect-only", "-q")
    lines = [line for line in result.stdout.lines if line.startswith("detachcheck::")]
    assert len(lines) == 9 and "detachcheck::root_volume_never_detached[master]" in lines


def test_not_witnessed_fails_and_unknown_is_skipped(pytester):
    result = pytester.runpytest_inprocess("--detachcheck", "--detachcheck-property", "instance_shelved_offloaded",
                                          *SMALL, "-rs")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*instance_shelved_offloaded (sometimes) is never witnessed in pike*"])
    result = pytester.runpytest_inprocess("--detachcheck", "--detachcheck-property", "root_volume_never_detached",
                                          "--detachcheck-max-states", "3", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*root_volume_never_detached is unknown in pike: the search was stopped*"])


def test_unknown_names_are_a_usage_error(pytester):
    result = pytester.runpytest_inprocess("--detachcheck", "--detachcheck-release", "havana")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown release 'havana'*"])


def test_readme_fix_proposal_example_passes(pytester):
    block = re.search(r"<!-- plugin-example -->\n```python\n(.*?)```", README.read_text(), re.S)
    assert block, "README.md lost its pytest plugin example"
    pytester.makepyfile(test_fix=block.group(1))
    pytester.runpytest_inprocess().assert_outcomes(passed=len(re.findall(r"^def test_", block.group(1), re.M)))


def test_fixture_reports_a_regression(pytester):
    pytester.makepyfile("""
        def test_dropping_the_root_check_breaks_it(detachcheck):
            broken = detachcheck.variant("pike", "no root check", api_refuses_root_detach=False)
            result = detachcheck.compare("pike", broken, requests=1, detach_only=True)
            assert "root_volume_never_detached" in result.broken
            assert detachcheck.check(broken, requests=1, detach_only=True) is \\
                detachcheck.check(broken, requests=1, detach_only=True)  # cached

        def test_an_unknown_switch_is_refused(detachcheck):
            import pytest
            with pytest.raises(ValueError, match="unknown switches: detach_spell"):
                detachcheck.variant("pike", detach_spell=True)
    """)
    pytester.runpytest_inprocess().assert_outcomes(passed=2)
