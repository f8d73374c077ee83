"""Shared fixtures. The suite imports the installed package (make pytest), not the source tree."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

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


#: The rule files a copy of the Jetpak policies needs (law files included).
JETPAK_FILES = ("gdpr.yaml", "dk.yaml", "se.yaml", "jetpak-dk.yaml", "jetpak-se.yaml")


@pytest.fixture()
def jetpak_copy(tmp_path: Path) -> Path:
    """The law files, the Jetpak files and every policy text, in tmp_path/rules (isolated from other policies)."""
    source = Path(lawbasis.default_rules_dir())
    target = tmp_path / "rules"
    shutil.copytree(source / "policies", target / "policies")
    for name in JETPAK_FILES:
        shutil.copy(source / name, target / name)
    return target
