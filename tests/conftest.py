"""Shared test set-up: Hypothesis profiles (HYPOTHESIS_PROFILE=ci|dev|deep) and model fixtures."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from detachcheck.checker.run import CheckResult, run_check
from detachcheck.fsm.releases import RELEASES

settings.register_profile("ci", derandomize=True, max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("deep", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def pike_r1() -> CheckResult:
    """Pike, one data volume, one detach request, no other process."""
    return run_check("pike", volumes=1, requests=1, processes=False)


@pytest.fixture(scope="session")
def pike_r2() -> CheckResult:
    """Pike, one data volume, two racing detach requests, no other process."""
    return run_check("pike", volumes=1, requests=2, processes=False)


@pytest.fixture(scope="session")
def every_release() -> dict[str, CheckResult]:
    """Every release at the default scenario (processes interleave)."""
    return {name: run_check(name) for name in RELEASES}
