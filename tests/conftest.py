"""Shared fixtures. The suite imports the installed package (make pytest), not the source tree."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

import lawbasis

# Fixed example counts keep make test well inside its time budget; see docs/decisions.md.
settings.register_profile(
    "lawbasis",
    max_examples=int(os.environ.get("LAWBASIS_EXAMPLES", "150")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("lawbasis")


@pytest.fixture(scope="session")
def engine() -> lawbasis.Engine:
    return lawbasis.default_engine()
