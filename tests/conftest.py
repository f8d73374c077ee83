"""Shared fixtures. The suite imports the installed package (make pytest), not the source tree."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import lawbasis

#: Hypothesis profiles; HYPOTHESIS_PROFILE picks one (default ``ci``). No test pins an example count:
#: a test whose examples are expensive takes a share of the profile's count (``scaled``), so every
#: profile moves every test.
#:
#: * ``ci``: what ``make test`` runs on the main Python, inside its time budget; reproducible.
#: * ``ci-other``: ``make test`` on the other Pythons, which run alongside the main one: a fifth of
#:   ``ci``, enough to catch what differs between interpreters (imports, C extension, dates).
#: * ``thorough``: a nightly-style run, ten times ``ci`` and a fresh seed every run
#:   (``make test-thorough``); a failure prints the blob that reproduces it.
PROFILES = {"ci": 100, "ci-other": 20, "thorough": 1000}
for _name, _count in PROFILES.items():
    settings.register_profile(
        _name,
        max_examples=_count,
        deadline=None,
        derandomize=_name != "thorough",
        print_blob=_name == "thorough",
        suppress_health_check=[HealthCheck.too_slow],
    )
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def scaled(share: float, at_least: int = 1) -> settings:
    """Settings with ``share`` of the loaded profile's examples, for a test whose examples are
    expensive: ``@scaled(0.2)`` runs 20 under ``ci`` and 200 under ``thorough``. ``at_least``: the
    floor a test needs to see every value it asserts it sees. Resolved when the decorator runs (at
    import for a test function), after the profile is loaded."""
    return settings(max_examples=max(at_least, int(settings().max_examples * share)))


@pytest.fixture(scope="session")
def engine() -> lawbasis.Engine:
    return lawbasis.default_engine()


#: Jetpak DK e-mail marketing with consent, a year after the contract ended: the reference activity of the
#: CLI, abuse and rule-file tests (shared, so never changed in place: build variants with ``{**MARKETING_EMAIL, ...}``).
MARKETING_EMAIL: dict[str, object] = {
    "policy": "jetpak-dk",
    "purpose": "marketing",
    "channel": "email",
    "consent": "given",
    "dates": {"contract_ended": "2025-06-30"},
    "as_of": "2026-01-01",
}

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
