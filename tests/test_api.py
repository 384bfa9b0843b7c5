"""The Python API: `from detachcheck import check, compare, replay`, plain dataclasses."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

import detachcheck
from detachcheck import check, compare, replay
from detachcheck.api import Change, Check, Comparison, ReplayResult, Step, Verdict
from detachcheck.fsm.releases import RELEASES

README = Path(__file__).resolve().parent.parent / "README.md"


def test_check_returns_verdicts_counterexamples_and_figures():
    result = check("pike", requests=1, detach_only=True)
    assert isinstance(result, Check) and result.release == "pike" and result.nova == "16.0.0"
    verdict = result["available_implies_no_host_connection"]
    assert isinstance(verdict, Verdict) and verdict.verdict == "violated" and not verdict.passed
    assert len(verdict.counterexample) == verdict.length == 10
    step = verdict.counterexample[-1]
    assert isinstance(step, Step) and step.actor and isinstance(step.changes[0], Change)
    assert [s.step for s in verdict.counterexample][:2] == ["api.check_instance", "api.get_volume"]
    assert "compute.wait_and_retry_detach:not_found" in verdict.explanation
    assert result["root_volume_never_detached"].passed
    assert result.incidents["seed_device_detach_failed"].verdict == "reached"
    f = result.figures
    assert f.complete and f.states > 0 and f.transitions >= f.states - 1 and f.seconds >= 0
    assert "available_implies_no_host_connection" in result.violated
    assert dataclasses.is_dataclass(result) and dataclasses.asdict(verdict)["id"] == verdict.id


def test_check_a_release_object_and_selected_properties():
    fix = RELEASES["pike"].with_switches("pike+fix", "a fix", disk_not_found_skips_disconnect=False)
    result = check(fix, properties=["available_implies_no_host_connection"], requests=1, detach_only=True)
    assert result.release == "pike+fix"
    assert set(result.verdicts) == {"available_implies_no_host_connection", "detach_can_complete"}
    assert result["available_implies_no_host_connection"].passed


def test_compare_names_what_a_fix_flips():
    result = compare("pike", "pike+disconnect-on-not-found", requests=1, detach_only=True)
    assert isinstance(result, Comparison) and result.complete
    assert result.fixed == {"available_implies_no_host_connection"} and result.broken == set()
    flip = result.flips["available_implies_no_host_connection"]
    assert (flip.base, flip.variant) == ("violated", "holds") and flip.vanished
    assert result.states["lost"] > 0


def test_compare_counts_states_as_the_command_does(capsys):
    from detachcheck.cli import main
    args = ["pike", "pike+disconnect-on-not-found", "--requests", "2", "--detach-only"]  # two requests: symmetric
    assert main(["compare", *args, "--format", "json"]) == 0
    command = json.loads(capsys.readouterr().out)
    result = compare("pike", "pike+disconnect-on-not-found", requests=2, detach_only=True)
    assert result.states == command["states"] and result.data == command


def test_compare_with_a_stopped_search_flips_nothing_unsettled():
    result = compare("pike", "pike+disconnect-on-not-found", max_states=30)
    assert not result.complete and result.unsettled
    assert not set(result.flips) & set(result.unsettled)


def test_replay_text_and_path(tmp_path):
    text = "release: pike\nrequests: 1\napi.check_instance vol=1\napi.get_volume\n"
    result = replay(text)
    assert isinstance(result, ReplayResult)
    assert [s.step for s in result.steps] == ["api.check_instance", "api.get_volume"]
    assert result.at_rest is None  # a request is in flight
    path = tmp_path / "t.trace"
    path.write_text(text)
    assert replay(path) == result


@pytest.mark.parametrize(("call", "needle"), [
    (lambda: check("havana"), "unknown release 'havana'"),
    (lambda: check(properties=["nope"]), "unknown property 'nope'"),
    (lambda: check(volumes=9), "volumes must be"),
    (lambda: check(max_states=0), "max_states"),
    (lambda: replay("bogus.step\n"), "unknown step"),
    (lambda: replay(Path("/nonexistent.trace")), "cannot read"),
])
def test_bad_input_is_a_value_error(call, needle):
    with pytest.raises(ValueError, match=re.escape(needle)):
        call()


def test_the_package_stays_light_until_the_api_is_used():
    assert set(detachcheck.__all__) == {"__version__", "check", "compare", "replay"}
    with pytest.raises(AttributeError):
        detachcheck.nothing  # noqa: B018


def test_readme_api_example_runs():
    block = re.search(r"<!-- api-example -->\n```python\n(.*?)```", README.read_text(), re.S)
    assert block, "README.md lost its Python API example"
    exec(compile(block.group(1), "README.md", "exec"), {})
