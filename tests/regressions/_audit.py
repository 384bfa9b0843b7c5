"""Helpers for the issue-9 audit's regression tests: run a trace, read a final component."""

from __future__ import annotations

from detachcheck.checker.trace import TraceError, replay

DETACH = ["api.check_instance vol=1", "api.get_volume", "api.check_bdm", "api.begin_detaching",
          "rpc.detach_volume"]
"""A detach request up to its cast (request 1, data volume 1)."""


def run(release: str, steps: list[str], start: str = "", requests: int = 1) -> dict[str, str]:
    """The final state of a trace on `release` (one data volume)."""
    head = [f"release: {release}", "volumes: 1", f"requests: {requests}"] + ([f"start: {start}"] if start else [])
    return replay("\n".join(head + steps) + "\n").final


def refused(release: str, steps: list[str], start: str = "", requests: int = 1) -> str:
    """Why the last step of a trace is not enabled (AssertionError if it is)."""
    try:
        run(release, steps, start, requests)
    except TraceError as err:
        assert err.line == len(steps) + 3 + (1 if start else 0), str(err)
        return err.reason
    raise AssertionError(f"{steps[-1]} was enabled")
