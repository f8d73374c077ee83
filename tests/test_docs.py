"""The documentation lists what the rule files can say."""

from __future__ import annotations

import importlib
import json
import re
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


# --- what users read cites the docs or the law, never the project's internal spec -------------------------

_SPEC = re.compile(r"\bSPEC\b")


def test_no_spec_reference_in_the_package_or_the_rule_files() -> None:
    package = Path(lawbasis.__file__).resolve().parent
    files = [*package.rglob("*.py"), *lawbasis.default_rules_dir().rglob("*.yaml")]
    assert len(files) > 30
    hits = [
        f"{path.name}:{n}: {line.strip()}"
        for path in files
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _SPEC.search(line)
    ]
    assert hits == []


def test_no_spec_reference_in_rendered_traces() -> None:
    # a window and a statutory duty that has ended: the built-in calendar step and the duty are in the trace
    d = lawbasis.evaluate(
        {"policy": "jetpak-dk", "purpose": "bookkeeping", "dates": {"fiscal_year_end": "2018-12-31"}, "as_of": "2026-01-01"}
    )
    assert {"calendar/window", "gdpr/legal-obligation/statutory-duty-ended"} <= set(d.fired())
    rendered = [d.explain(), d._repr_html_(), json.dumps(d.to_dict(), ensure_ascii=False)]
    assert [text[:80] for text in rendered if _SPEC.search(text)] == []
    assert "Regulation (EEC, Euratom) No 1182/71" in rendered[0]  # the calendar step cites the law instead


# --- every public name is documented, with an example ---------------------------------------------------

PUBLIC = {
    "lawbasis": "lawbasis",
    "lawbasis.bulk": "pandas",
    "lawbasis.strategies": "hypothesis",
    "lawbasis.invariants": None,
    "lawbasis.explore": "pandas",
    "lawbasis.plot": None,
}


def _public_names() -> list[str]:
    names = []
    for module_name, needs in PUBLIC.items():
        if needs and needs != "lawbasis":
            pytest.importorskip(needs)
        module = importlib.import_module(module_name)
        names += [f"{module_name}.{n}" for n in module.__all__ if not n.startswith("__")]
    # the report's and the diff's result types, reached from lawbasis.report / lawbasis.diff
    names += ["lawbasis.PolicyReport.to_text", "lawbasis.PolicyReport.to_markdown", "lawbasis.PolicyDiff.to_text"]
    return names


@pytest.mark.skipif(not DOCS.is_dir(), reason="docs/ is not beside the tests (installed elsewhere)")
def test_every_public_name_is_documented_with_an_example() -> None:
    page = (DOCS / "reference" / "api.md").read_text(encoding="utf-8")
    # a name is documented where api.md gives its entry: a heading or an autodoc directive naming it
    entries = set(re.findall(r"^(?:#+ `|\.\. auto\w+:: )([\w.]+)", page, re.M))
    missing = [name for name in _public_names() if name not in entries]
    assert missing == []
    # each entry is followed by an example (a code block) before the next entry
    sections = re.split(r"^(?=#+ `)", page, flags=re.M)
    without = [s.splitlines()[0] for s in sections if s.startswith("#") and "`" in s.splitlines()[0] and "```python" not in s]
    assert without == []
    assert "howto/scenario-files.md" in page  # the scenario-file format
