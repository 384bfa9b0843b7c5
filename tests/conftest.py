"""Shared test set-up: Hypothesis profiles (HYPOTHESIS_PROFILE=ci|dev|deep) and model fixtures."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from checker.run import CheckResult, run_check

settings.register_profile("ci", derandomize=True, max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("deep", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def pike_r1() -> CheckResult:
    """Pike, one data volume, one detach request."""
    return run_check("pike", volumes=1, requests=1)


@pytest.fixture(scope="session")
def pike_r2() -> CheckResult:
    """Pike, one data volume, two racing detach requests."""
    return run_check("pike", volumes=1, requests=2)
