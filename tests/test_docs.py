"""The documentation lists what the rule files can say."""

from __future__ import annotations

from pathlib import Path

import pytest

import lawbasis
from lawbasis.engine.rulefile import load_directory

DOCS = Path(__file__).resolve().parent.parent / "docs"
SPEC_CODES = [
    "basis_not_stated",
    "retention_not_stated",
    "end_action_not_stated",
    "retention_differs_from_statute",
    "retention_unit_missing",
    "objection_override_unlawful",
    "objection_test_weaker_than_gdpr",
    "public_interest_without_law",
    "special_category_without_explicit_consent",
    "language_versions_differ",
    "basis_mapping_ambiguous",
]


def _codes() -> set[str]:
    base = load_directory(lawbasis.default_rules_dir())
    return {f["code"] for rule in base.rules for kind, f in rule.then if kind == "finding"}


@pytest.mark.skipif(not DOCS.is_dir(), reason="docs/ is not beside the tests (installed elsewhere)")
def test_every_finding_code_is_documented() -> None:
    page = (DOCS / "reference" / "findings.md").read_text(encoding="utf-8")
    missing = sorted(code for code in _codes() if f"`{code}`" not in page)
    assert missing == []


def test_every_spec_finding_code_can_be_raised() -> None:
    assert sorted(set(SPEC_CODES) - _codes()) == []
