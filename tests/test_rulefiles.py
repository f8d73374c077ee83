"""Rule files are data: a copy of the built-in directory answers the same, an edit changes the answer,
and a malformed file is refused with a RuleFileError naming the file, the rule id and the problem."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import lawbasis
from lawbasis import Engine, RuleFileError
from tests.conftest import MARKETING_EMAIL

ACTIVITIES: list[dict[str, Any]] = [
    MARKETING_EMAIL,
    {"policy": "jetpak-dk", "purpose": "marketing", "customer_status": "prospect", "channel": "email", "as_of": "2026-01-01"},
    {"policy": "jetpak-dk", "purpose": "contract", "dates": {"contract_ended": "2025-06-30"}, "as_of": "2026-01-01"},
    {"policy": "jetpak-dk", "purpose": "contract", "dispute": True, "objection": "general", "as_of": "2026-01-01"},
    {"policy": "jetpak-dk", "purpose": "bookkeeping", "dates": {"fiscal_year_end": "2023-06-30"}, "as_of": "2026-01-01"},
    {"policy": "jetpak-se", "purpose": "bookkeeping", "dates": {"fiscal_year_end": "2023-06-30"}, "as_of": "2026-01-01"},
    {"policy": "jetpak-se", "purpose": "sales", "channel": "phone", "objection": "direct_marketing", "as_of": "2026-01-01"},
    {"policy": "jetpak-se", "purpose": "restructuring", "acquirer_similar": True, "corporate_event": "ceased", "as_of": "2026-01-01"},
    {
        "policy": "jetpak-se",
        "purpose": "business_development",
        "customer_status": "prospect",
        "objection": "general",
        "as_of": "2026-01-01",
    },
]

JETPAK_FILES = ("gdpr.yaml", "dk.yaml", "se.yaml", "jetpak-dk.yaml", "jetpak-se.yaml")


@pytest.fixture()
def full_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(lawbasis.default_rules_dir(), target)
    return target


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _append(path: Path, yaml_rules: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n" + yaml_rules)


def test_copy_answers_identically(full_copy: Path) -> None:
    engine = Engine(rules_dir=full_copy)
    assert [p.id for p in engine.policies()] == [p.id for p in lawbasis.default_engine().policies()]
    for facts in ACTIVITIES:
        assert engine.evaluate(facts).to_dict() == lawbasis.evaluate(facts).to_dict()
    assert [(p.id, p.heading) for p in engine.purposes("jetpak-dk")] == [
        (p.id, p.heading) for p in lawbasis.default_engine().purposes("jetpak-dk")
    ]


def test_jetpak_only_copy_answers_identically(jetpak_copy: Path) -> None:
    engine = Engine(rules_dir=str(jetpak_copy))
    assert [p.id for p in engine.policies()] == ["jetpak-dk", "jetpak-se"]
    for facts in ACTIVITIES:
        assert engine.evaluate(facts).to_dict() == lawbasis.evaluate(facts).to_dict()


def test_editing_a_rule_changes_the_answer(jetpak_copy: Path) -> None:
    path = jetpak_copy / "jetpak-dk.yaml"
    _edit(
        path,
        "retention: {period: P36M, from: contract_ended, action: anonymise, stated: true, action_stated: true}",
        "retention: {period: P24M, from: contract_ended, action: anonymise, stated: true, action_stated: true}",
    )
    engine = Engine(rules_dir=jetpak_copy)
    facts = ACTIVITIES[2]
    edited = engine.evaluate(facts)
    assert edited.retention.period == "P24M"
    assert edited.retention.until is not None and edited.retention.until.isoformat() == "2027-06-30"
    original = lawbasis.evaluate(facts)
    assert original.retention.period == "P36M"
    assert original.retention.until is not None and original.retention.until.isoformat() == "2028-06-30"
    # the other language version is untouched
    se = {**facts, "policy": "jetpak-se"}
    assert engine.evaluate(se).to_dict() == lawbasis.evaluate(se).to_dict()


def test_editing_the_law_changes_the_answer(jetpak_copy: Path) -> None:
    _edit(
        jetpak_copy / "dk.yaml",
        "statutory: {period: P5Y, from: fiscal_year_end}",
        "statutory: {period: P7Y, from: end_of_calendar_year_of_fiscal_year_end}",
    )
    d = Engine(rules_dir=jetpak_copy).evaluate(ACTIVITIES[4])
    assert "retention_differs_from_statute" not in d.finding_codes
    assert "retention_differs_from_statute" in lawbasis.evaluate(ACTIVITIES[4]).finding_codes


def test_removing_a_rule_changes_the_answer(jetpak_copy: Path) -> None:
    # without the policy's consent requirement and DK law, e-mail marketing rests on legitimate interest
    _edit(
        jetpak_copy / "jetpak-dk.yaml",
        "      - activity: {channel: [email, sms, mms, automated_call]}\n    then:\n      - consent_required: {source: policy}",
        "      - activity: {channel: [automated_call]}\n    then:\n      - consent_required: {source: policy}",
    )
    _edit(jetpak_copy / "dk.yaml", "activity: {channel: [email, sms, mms, automated_call]}", "activity: {channel: [automated_call]}")
    d = Engine(rules_dir=jetpak_copy).evaluate(ACTIVITIES[1])
    assert d.lawful == "yes"
    assert d.basis_letters == ["f"]
    assert lawbasis.evaluate(ACTIVITIES[1]).lawful == "no"


# --- malformed copies ------------------------------------------------------------------------------


def _wrong_type(d: Path) -> None:
    _edit(
        d / "jetpak-dk.yaml",
        "retention: {period: P36M, from: contract_ended, action: anonymise, stated: true, action_stated: true}",
        "retention: {period: 36, from: contract_ended, action: anonymise, stated: true, action_stated: true}",
    )


def _wrong_type_when(d: Path) -> None:
    _edit(
        d / "jetpak-dk.yaml",
        "  - id: jetpak-dk/contract/basis-dispute\n    purpose: contract\n",
        "  - id: jetpak-dk/contract/basis-dispute\n    purpose: 7\n",
    )


def _unknown_rule_field(d: Path) -> None:
    _edit(
        d / "jetpak-dk.yaml", "  - id: jetpak-dk/contract/basis-contract\n", "  - id: jetpak-dk/contract/basis-contract\n    priority: 3\n"
    )


def _unknown_activity_field(d: Path) -> None:
    _edit(d / "jetpak-dk.yaml", "activity: {dispute: true}", "activity: {quarrel: true}")


def _unknown_value(d: Path) -> None:
    _edit(d / "jetpak-dk.yaml", "candidate: {letter: b, stated: true}", "candidate: {letter: g, stated: true}")


def _unknown_fact_kind(d: Path) -> None:
    _append(
        d / "jetpak-dk.yaml",
        """  - id: jetpak-dk/contract/odd
    purpose: contract
    when:
      - fact: verdict
        value: guilty
    then:
      - flag: {name: odd}
    cites:
      - law: GDPR Art. 6(1)
""",
    )


def _duplicate_id(d: Path) -> None:
    _edit(d / "jetpak-dk.yaml", "  - id: jetpak-dk/contract/basis-dispute\n", "  - id: jetpak-dk/contract/basis-contract\n")


def _duplicate_across_files(d: Path) -> None:
    _edit(d / "jetpak-se.yaml", "  - id: jetpak-se/contract/basis-contract\n", "  - id: gdpr/basis/applies\n")


def _quote_not_in_text(d: Path) -> None:
    _edit(d / "jetpak-dk.yaml", "quote: Udførelse af en kontrakt.", "quote: Udførelse af en aftale.")


def _quote_in_other_text(d: Path) -> None:
    # a Swedish quote cited as Danish
    _edit(d / "jetpak-dk.yaml", "quote: Udførelse af en kontrakt.", "quote: Fullgörande av avtal.")


def _never_fires(d: Path) -> None:
    _append(
        d / "jetpak-dk.yaml",
        """  - id: jetpak-dk/contract/never
    purpose: contract
    when:
      - fact: flag
        name: nothing_concludes_this
    then:
      - finding: {code: never, severity: info, message: never}
    cites:
      - law: GDPR Art. 6(1)
""",
    )


def _too_many_conditions(d: Path) -> None:
    # durable_rules fails with error 304 past 16 conditions per rule (phase marker and activity included)
    conditions = "".join("      - absent: {fact: flag, name: direct_marketing}\n" for _ in range(15))
    _append(
        d / "jetpak-dk.yaml",
        f"""  - id: jetpak-dk/contract/too-long
    purpose: contract
    when:
{conditions}    then:
      - finding: {{code: too_long, severity: info, message: too long}}
    cites:
      - law: GDPR Art. 6(1)
""",
    )


def _negation_cycle(d: Path) -> None:
    _append(
        d / "jetpak-dk.yaml",
        """  - id: jetpak-dk/contract/cycle-a
    purpose: contract
    when:
      - absent: {fact: flag, name: cycle_b}
    then:
      - flag: {name: cycle_a}
    cites:
      - law: GDPR Art. 6(1)
  - id: jetpak-dk/contract/cycle-b
    purpose: contract
    when:
      - fact: flag
        name: cycle_a
    then:
      - flag: {name: cycle_b}
    cites:
      - law: GDPR Art. 6(1)
""",
    )


def _unbound_variable(d: Path) -> None:
    _edit(d / "jetpak-dk.yaml", "candidate: {letter: b, stated: true}", "candidate: {letter: $L, stated: true}")


def _bad_period(d: Path) -> None:
    _edit(
        d / "jetpak-dk.yaml",
        "retention: {period: P36M, from: contract_ended, action: anonymise, stated: true, action_stated: true}",
        "retention: {period: 36 months, from: contract_ended, action: anonymise, stated: true, action_stated: true}",
    )


def _undeclared_purpose(d: Path) -> None:
    _edit(
        d / "jetpak-dk.yaml",
        "  - id: jetpak-dk/contract/basis-dispute\n    purpose: contract\n",
        "  - id: jetpak-dk/contract/basis-dispute\n    purpose: contracts\n",
    )


def _calendar_fact(d: Path) -> None:
    _edit(d / "jetpak-dk.yaml", "candidate: {letter: b, stated: true}", "window: {status: open, until: '2030-01-01'}")


MALFORMED: list[tuple[str, Callable[[Path], None], str, str | None, str]] = [
    ("wrong type of a value", _wrong_type, "jetpak-dk.yaml", "jetpak-dk/contract/retention", "36"),
    ("wrong type of purpose", _wrong_type_when, "jetpak-dk.yaml", "jetpak-dk/contract/basis-dispute", "purpose"),
    ("unknown rule field", _unknown_rule_field, "jetpak-dk.yaml", "jetpak-dk/contract/basis-contract", "priority"),
    ("unknown activity field", _unknown_activity_field, "jetpak-dk.yaml", "jetpak-dk/contract/basis-dispute", "quarrel"),
    ("unknown value", _unknown_value, "jetpak-dk.yaml", "jetpak-dk/contract/basis-contract", "'g'"),
    ("unknown fact kind", _unknown_fact_kind, "jetpak-dk.yaml", "jetpak-dk/contract/odd", "verdict"),
    ("duplicate id", _duplicate_id, "jetpak-dk.yaml", "jetpak-dk/contract/basis-contract", "duplicate"),
    ("duplicate id across files", _duplicate_across_files, "jetpak-se.yaml", "gdpr/basis/applies", "gdpr.yaml"),
    ("quote not in the text", _quote_not_in_text, "jetpak-dk.yaml", "jetpak-dk/contract/basis-contract", "Udførelse af en aftale."),
    ("quote from the other text", _quote_in_other_text, "jetpak-dk.yaml", "jetpak-dk/contract/basis-contract", "jetpak-dk"),
    ("rule that can never fire", _never_fires, "jetpak-dk.yaml", "jetpak-dk/contract/never", "never fire"),
    ("past durable_rules' condition limit", _too_many_conditions, "jetpak-dk.yaml", "jetpak-dk/contract/too-long", "allows 16"),
    ("negation cycle", _negation_cycle, "jetpak-dk.yaml", None, "stratifiable"),
    ("unbound variable", _unbound_variable, "jetpak-dk.yaml", "jetpak-dk/contract/basis-contract", "$L"),
    ("not a period", _bad_period, "jetpak-dk.yaml", "jetpak-dk/contract/retention", "36 months"),
    ("undeclared purpose", _undeclared_purpose, "jetpak-dk.yaml", "jetpak-dk/contract/basis-dispute", "contracts"),
    ("calendar fact concluded by a rule", _calendar_fact, "jetpak-dk.yaml", "jetpak-dk/contract/basis-contract", "window"),
]


@pytest.mark.parametrize("name,breaker,file,rule,fragment", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_copy_is_rejected(
    jetpak_copy: Path, name: str, breaker: Callable[[Path], None], file: str, rule: str | None, fragment: str
) -> None:
    before = lawbasis.evaluate(ACTIVITIES[0]).to_dict()
    breaker(jetpak_copy)
    with pytest.raises(RuleFileError) as info:
        Engine(rules_dir=jetpak_copy)
    err = info.value
    assert isinstance(err, lawbasis.LawbasisError)
    assert err.file == file
    if rule is None:  # a cycle is reported on one of the rules in it
        assert err.rule in ("jetpak-dk/contract/cycle-a", "jetpak-dk/contract/cycle-b")
    else:
        assert err.rule == rule
    assert err.file in str(err)
    assert str(err.rule) in str(err)
    assert fragment in err.problem, err.problem
    # a refused directory leaves the built-in engine as it was
    assert lawbasis.evaluate(ACTIVITIES[0]).to_dict() == before


def test_python_yaml_tag_is_refused(jetpak_copy: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = jetpak_copy / "jetpak-dk.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("  controller: Jetpak (Denmark)\n", f"  controller: !!python/object/apply:os.system ['touch {marker}']\n"),
        encoding="utf-8",
    )
    with pytest.raises(RuleFileError) as info:
        Engine(rules_dir=jetpak_copy)
    assert info.value.file == "jetpak-dk.yaml"
    assert "not valid YAML" in info.value.problem
    assert "python/object/apply" in info.value.problem
    assert not marker.exists()


def test_python_tag_on_a_rule_is_refused(jetpak_copy: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned2"
    _append(
        jetpak_copy / "jetpak-se.yaml",
        f"""  - id: jetpak-se/contract/evil
    purpose: contract
    then:
      - flag: !!python/object/apply:os.system ['touch {marker}']
    cites:
      - law: GDPR Art. 6(1)
""",
    )
    with pytest.raises(RuleFileError) as info:
        Engine(rules_dir=jetpak_copy)
    assert info.value.file == "jetpak-se.yaml"
    assert not marker.exists()


def test_yaml_syntax_error(jetpak_copy: Path) -> None:
    _append(jetpak_copy / "jetpak-dk.yaml", "  - id: [unclosed\n")
    with pytest.raises(RuleFileError) as info:
        Engine(rules_dir=jetpak_copy)
    assert info.value.file == "jetpak-dk.yaml"
    assert "not valid YAML" in info.value.problem


def test_heading_not_in_text(jetpak_copy: Path) -> None:
    _edit(jetpak_copy / "jetpak-se.yaml", "    heading: Metod- och affärsutveckling\n", "    heading: Metod- och affärsutvecklingar\n")
    with pytest.raises(RuleFileError) as info:
        Engine(rules_dir=jetpak_copy)
    assert info.value.file == "jetpak-se.yaml"
    assert "business_development" in info.value.problem


def test_missing_policy_text(jetpak_copy: Path) -> None:
    (jetpak_copy / "policies" / "jetpak-sv.txt").unlink()
    with pytest.raises(RuleFileError) as info:
        Engine(rules_dir=jetpak_copy)
    assert info.value.file == "jetpak-se.yaml"
    assert "jetpak-sv.txt" in info.value.problem


def test_missing_or_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError):
        Engine(rules_dir=tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RuleFileError) as info:
        Engine(rules_dir=tmp_path / "empty")
    assert "no *.yaml" in info.value.problem


def test_unknown_metadata_field_names_the_block(jetpak_copy: Path) -> None:
    _edit(jetpak_copy / "jetpak-dk.yaml", "  controller: Jetpak (Denmark)\n", "  controller: Jetpak (Denmark)\n  colour: red\n")
    with pytest.raises(RuleFileError) as info:
        Engine(rules_dir=jetpak_copy)
    assert info.value.file == "jetpak-dk.yaml"
    assert info.value.rule is None
    assert info.value.problem.startswith("policy: ")
    assert "colour" in info.value.problem
    # the message is one readable line, not a dump of the whole file
    assert len(str(info.value)) < 300
